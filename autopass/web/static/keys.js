// Keyboard-first micro-tasks: digits, Y / N, Enter and Esc drive every screen.
(() => {
  "use strict";
  const task = document.getElementById("task");
  const dialog = document.getElementById("skip-dialog");
  const isTyping = (el) => !!el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA");

  const press = (root, key) => {
    const button = root.querySelector(`button[data-key="${key}"]`);
    if (!button || button.disabled) return false;
    button.click();
    return true;
  };

  // One submission per page: a second Enter while the first is on its way does nothing.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.dataset.sent) {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
  });

  const focusValue = () => {
    const input = task && task.querySelector("input.value-input");
    if (input) {
      input.focus();
      input.select(); // typing replaces the reading; arrow keys edit it
    }
  };

  const openSkip = () => {
    if (dialog && !dialog.open) dialog.showModal();
  };

  if (task) {
    focusValue();
    document.getElementById("skip-open").addEventListener("click", openSkip);
    dialog.addEventListener("close", focusValue);
    const timer = document.getElementById("timer");
    const started = Date.now() - Number(timer.dataset.elapsed || 0) * 1000;
    const tick = () => {
      const seconds = Math.floor((Date.now() - started) / 1000);
      timer.textContent = `${seconds} s`;
      timer.classList.toggle("slow", seconds >= 20);
    };
    tick();
    setInterval(tick, 1000);
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (dialog && dialog.open) {
      if (/^[1-9]$/.test(event.key) && press(dialog, event.key)) event.preventDefault();
      return; // Esc closes the dialog by itself
    }
    if (!task) {
      if (event.key === "Enter" && document.getElementById("queue-empty")) window.location.reload();
      return;
    }
    if (event.key === "Escape") {
      event.preventDefault();
      openSkip();
      return;
    }
    if (isTyping(document.activeElement)) return;
    const key = event.key.toLowerCase();
    // A kind's page names the input a letter focuses (resolve_mismatch: T to type a value).
    const input = task.querySelector(`input[data-focus-key="${key}"]`);
    if (input) {
      event.preventDefault();
      input.focus();
      return;
    }
    if (press(task, key)) event.preventDefault();
  });
})();
