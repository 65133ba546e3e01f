// The dealer's capture page: check each photo as it is taken, submit the dossier once all pass.
// It calls the dealer API with the page's session cookie and CSRF token (never a key).
(() => {
  "use strict";
  const form = document.getElementById("capture");
  if (!form) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const stated = JSON.parse(form.dataset.stated || "{}");
  const submitButton = document.getElementById("submit");
  const submitState = document.getElementById("submit-state");
  const rows = Array.from(form.querySelectorAll(".document"));
  const photos = {}; // type -> {file, ok, version}
  let idempotencyKey = null; // one per dossier content: a retry of the same content reuses it

  const product = () => {
    const choice = document.getElementById("product");
    return choice ? choice.value : form.dataset.product;
  };
  const value = (path) => {
    const input = form.elements.namedItem(path);
    return input ? input.value.trim() : "";
  };
  const statedFor = (type) => {
    const values = {};
    for (const [field, path] of Object.entries(stated[type] || {})) {
      if (value(path)) values[field] = value(path);
    }
    return values;
  };
  const rowOf = (type) => rows.find((row) => row.dataset.type === type);

  const show = (row, state, verdict, lines) => {
    row.dataset.state = state;
    row.querySelector(".verdict").textContent = verdict;
    const list = row.querySelector(".problems");
    list.replaceChildren(...lines.map(([text, kind]) => {
      const item = document.createElement("li");
      item.textContent = text;
      if (kind) item.className = kind;
      return item;
    }));
  };

  // A phone's photo (12 MP, 4 MB) is checked at CHECK_SIDE px at most: the reader straightens a
  // document to 1400 px anyway, and the upload is what the salesperson waits for on 4G. The
  // dossier is submitted with the original file.
  const CHECK_SIDE = 2048;
  const forCheck = async (file) => {
    if (typeof createImageBitmap !== "function") return file;
    let bitmap;
    try {
      bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch (error) {
      return file; // not decodable here: the server says what is wrong with it
    }
    const scale = CHECK_SIDE / Math.max(bitmap.width, bitmap.height);
    if (scale >= 1) {
      bitmap.close();
      return file;
    }
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    return new Promise((resolve) => canvas.toBlob((blob) => resolve(blob || file), "image/jpeg", 0.92));
  };

  const base64Of = (file) => new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",", 2)[1] || "");
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });

  const detailOf = async (response) => {
    try {
      const body = await response.json();
      return typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
    } catch (error) {
      return `HTTP ${response.status}`;
    }
  };

  const check = async (type) => {
    const photo = photos[type];
    const row = rowOf(type);
    if (!photo || !row) return;
    const version = ++photo.version;
    const values = statedFor(type);
    photo.stated = JSON.stringify(values);
    photo.ok = false;
    show(row, "checking", "检查中… Checking…", []);
    refresh();
    let response;
    try {
      response = await fetch("/api/v1/captures/check", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ photo: await base64Of(await forCheck(photo.file)), expected_type: type,
                               product: product(), stated: values }),
      });
    } catch (error) {
      if (version === photo.version) show(row, "bad", "网络错误，请重试 Network error: try again", []);
      return;
    }
    if (version !== photo.version) return; // a newer photo or value is being checked
    if (response.status === 401) {
      window.location.assign("/capture/login");
      return;
    }
    if (!response.ok) {
      show(row, "bad", "无法检查 Cannot check", [[await detailOf(response), null]]);
      refresh();
      return;
    }
    const verdict = await response.json();
    photo.ok = verdict.ok;
    show(row, verdict.ok ? "ok" : "bad",
         verdict.ok ? "✓ 清晰可用 Good" : "✗ 请重拍 Retake",
         [...verdict.problems.map((text) => [text, null]),
          ...verdict.hints.map((text) => [text, "hint"])]);
    refresh();
  };

  const refresh = () => {
    const missing = rows.filter((row) => !(photos[row.dataset.type] || {}).ok).length;
    const complete = form.checkValidity();
    submitButton.disabled = missing > 0 || !complete;
    submitState.className = "muted small";
    submitState.textContent = missing > 0
      ? `还差 ${missing} 张合格照片 · ${missing} photo(s) still to pass`
      : complete ? "可以提交 Ready to submit"
        : "请填写申请信息 · Fill in the application";
  };

  form.addEventListener("change", (event) => {
    const target = event.target;
    idempotencyKey = null; // new content: a new dossier version
    if (target.type === "file") {
      const file = target.files && target.files[0];
      if (file) {
        photos[target.dataset.type] = { file, ok: false,
          version: (photos[target.dataset.type] || { version: 0 }).version };
        check(target.dataset.type);
      }
      return;
    }
    if (target.id === "product") {
      window.location.assign(`/capture?product=${encodeURIComponent(target.value)}`);
      return;
    }
    // a stated value changed: the photos that must show it are checked again
    for (const type of Object.keys(stated)) {
      if (photos[type] && photos[type].stated !== JSON.stringify(statedFor(type))) check(type);
    }
    refresh();
  });
  form.addEventListener("input", refresh);

  const application = () => {
    const optional = (path) => value(path) || undefined;
    return {
      application_id: value("application_id"),
      product: product(),
      dealer_id: form.dataset.dealer,
      salesperson_id: value("salesperson_id"),
      submitted_at: new Date().toISOString(),
      applicant: { name: value("applicant.name"), id_number: value("applicant.id_number").toUpperCase(),
                   phone: optional("applicant.phone") },
      vehicle: { vin: value("vehicle.vin").toUpperCase(), price: Number(value("vehicle.price")),
                 model: optional("vehicle.model") },
      loan: { amount: Number(value("loan.amount")), term_months: parseInt(value("loan.term_months"), 10),
              bank_card: value("loan.bank_card").replace(/\s+/g, "") },
    };
  };
  const suffixOf = (file) => {
    if (file.type === "image/png") return ".png";
    if (file.type === "image/jpeg") return ".jpg";
    const match = /\.(jpe?g|png)$/i.exec(file.name);
    return match ? `.${match[1].toLowerCase()}` : ".jpg";
  };
  const newKey = () => Array.from(crypto.getRandomValues(new Uint8Array(16)),
                                  (b) => b.toString(16).padStart(2, "0")).join("");

  const listed = (id, status) => {
    const list = document.getElementById("my-dossiers");
    const none = document.getElementById("no-dossiers");
    if (!list) return;
    const item = document.createElement("li");
    item.dataset.application = id;
    const name = document.createElement("span");
    name.className = "mono";
    name.textContent = id;
    const state = document.createElement("span");
    state.className = "status";
    state.textContent = status;
    item.append(name, state);
    list.prepend(item);
    list.hidden = false;
    if (none) none.remove();
  };

  const follow = async (url, id) => {
    for (let round = 0; round < 40; round += 1) {
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) return;
      const dossier = await response.json();
      const shown = `${dossier.status}${dossier.decision ? ` · ${dossier.decision}` : ""}`;
      submitState.textContent = `已提交 Submitted ${id} · ${shown}`;
      const item = document.querySelector(`#my-dossiers li[data-application="${CSS.escape(id)}"] .status`);
      if (item) item.textContent = shown;
      if (!["received", "processing"].includes(dossier.status)) return;
    }
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send().catch((error) => {
      submitState.className = "small bad";
      submitState.textContent = `未提交 Not submitted: ${error}`;
      submitButton.disabled = false;
    });
  });

  const send = async () => {
    if (submitButton.disabled) return;
    submitButton.disabled = true;
    idempotencyKey = idempotencyKey || newKey();
    const body = new FormData();
    body.append("application", new Blob([JSON.stringify(application())], { type: "application/json" }),
                "application.json");
    for (const row of rows) {
      const file = photos[row.dataset.type].file;
      body.append("files", file, `${row.dataset.type}${suffixOf(file)}`);
    }
    submitState.textContent = "提交中… Submitting…";
    let response;
    try {
      response = await fetch(form.dataset.dossiers, {
        method: "POST", credentials: "same-origin", body,
        headers: { "X-CSRF-Token": csrf, "Idempotency-Key": idempotencyKey },
      });
    } catch (error) {
      submitState.className = "small bad";
      submitState.textContent = "网络错误，请重试 Network error: try again";
      submitButton.disabled = false;
      return;
    }
    if (response.status === 202) {
      const accepted = await response.json();
      submitState.className = "small ok";
      submitState.textContent = `已提交 Submitted ${accepted.application_id} · ${accepted.status}`;
      listed(accepted.application_id, accepted.status);
      follow(accepted.url, accepted.application_id);
      return;
    }
    submitState.className = "small bad";
    submitState.textContent = `未提交 Not submitted: ${await detailOf(response)}`;
    submitButton.disabled = false;
  };

  refresh();
})();
