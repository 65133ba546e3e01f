"""The capture page in a real browser (Debian's chromium through Playwright) at a phone's viewport:
log in with the dealer's key, take each required photo, see the check's verdict beside it (a photo
too small and blurred is sent back with hints, its retake passes), fill in the application and
submit the dossier once every photo passed. Every check is the real engines' reading.

Set ``AUTOPASS_SCREENSHOT_DIR=docs/screenshots`` to refresh the committed screenshots.
"""

from __future__ import annotations

import base64
import io
import json
import os
import random
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from PIL import Image, ImageFilter

from autopass.devtools.samples import cards
from autopass.devtools.samples.capture import Difficulty, photograph
from autopass.devtools.samples.faces import load_face_source
from autopass.devtools.samples.generator import plan_dossier
from autopass.settings import Settings
from autopass.store import upgrade
from tests.dealer_api.conftest import DEALER, DealerApi, start_dealer_api
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "zh-CN"}
CARDS_ONLY = "card_check"
"""A product like new_car_loan that requires only the three cards: the flow below checks each
photo with the real engines, and an invoice or a contract page takes the longest to read."""
CARDS = ("id_card_front", "id_card_back", "bank_card")
CHECK_SECONDS = 240_000  # ms a verdict may take on a loaded machine (models load on the first)


@pytest.fixture(scope="module")
def photos() -> tuple[dict[str, Any], dict[str, bytes]]:
    """An application and phone photos (easy) of its three cards, drawn with the built-in face
    set, so the same photos are drawn wherever the tests run."""
    rng = random.Random(5)
    plan = plan_dossier(rng, load_face_source(None), 0.0)
    drawn = {}
    for kind, render in (("id_card_front", cards.render_id_front),
                         ("id_card_back", cards.render_id_back),
                         ("bank_card", cards.render_bank_card)):
        card, _ = render(plan.facts, rng)
        drawn[kind] = _jpeg(photograph(card, rng, Difficulty.EASY).convert("RGB"))
    return plan.application, drawn


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()


def _from_a_phone_camera(photo: bytes) -> bytes:
    """The photo at a 12 MP camera's size (4000 px wide)."""
    image = Image.open(io.BytesIO(photo))
    scale = 4000 / max(image.size)
    return _jpeg(image.resize((round(image.width * scale), round(image.height * scale)),
                              Image.LANCZOS))


def _too_small_and_blurred(photo: bytes) -> bytes:
    image = Image.open(io.BytesIO(photo))
    small = image.resize((image.width // 4, image.height // 4))
    return _jpeg(small.filter(ImageFilter.GaussianBlur(1.5)))


@pytest.fixture
def api(settings: Settings, tmp_path: Path) -> Iterator[DealerApi]:
    """The dealer API and the page on a SQLite store, with the shipped standards and
    ``CARDS_ONLY`` beside them."""
    standards = tmp_path / "standards"
    shutil.copytree(settings.standards_dir, standards)
    text = (standards / "new_car_loan.yaml").read_text(encoding="utf-8")
    text = text.replace("product: new_car_loan", f"product: {CARDS_ONLY}")
    text = re.sub(r"\{type: (\w+), required: true\}",
                  lambda m: f"{{type: {m[1]}, required: {str(m[1] in CARDS).lower()}}}", text)
    (standards / f"{CARDS_ONLY}.yaml").write_text(text, encoding="utf-8")
    settings = settings.model_copy(update={"secret_key": "k" * 40, "standards_dir": standards})
    upgrade(settings)
    yield from start_dealer_api(settings)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("AUTOPASS_SCREENSHOT_DIR") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def phone(api: DealerApi) -> Iterator[Page]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(**PHONE).new_page()
            errors: list[Exception] = []
            page.on("pageerror", lambda error: errors.append(error))
            yield page
            assert errors == [], "the page's script failed"
        finally:
            browser.close()


def _log_in(page: Page, api: DealerApi, key: str) -> None:
    page.goto(f"{api.url}/capture")
    page.locator("#key").fill(key)
    page.get_by_role("button", name="登录 Log in").click()


def test_a_wrong_key_stays_at_the_log_in_form(phone: Page, api: DealerApi, shots: Path) -> None:
    from playwright.sync_api import expect

    page = phone
    page.goto(f"{api.url}/capture")
    expect(page).to_have_url(f"{api.url}/capture/login")
    page.screenshot(path=shots / "capture-login.png")
    _log_in(page, api, api.keys[DEALER][:-4] + "AAAA")
    expect(page.get_by_role("alert")).to_have_text("密钥无效或已停用 The key is wrong or revoked")
    page.goto(f"{api.url}/capture")
    expect(page).to_have_url(f"{api.url}/capture/login")


def test_a_dealer_photographs_checks_and_submits_a_dossier(
    phone: Page, api: DealerApi, photos: tuple[dict[str, Any], dict[str, bytes]], shots: Path
) -> None:
    from playwright.sync_api import expect

    application, drawn = photos
    drawn = {**drawn, "bank_card": _from_a_phone_camera(drawn["bank_card"])}
    page = phone
    checked: dict[str, int] = {}  # the size of the photo last sent to the check, by type
    page.on("request", lambda request: checked.update(
        {(body := json.loads(request.post_data))["expected_type"]: len(body["photo"])})
        if request.url.endswith("/api/v1/captures/check") else None)
    _log_in(page, api, api.keys[DEALER])
    expect(page).to_have_url(f"{api.url}/capture")
    expect(page.locator("li.document")).to_have_count(7)  # new_car_loan's required documents
    page.screenshot(path=shots / "capture-page.png")

    page.select_option("#product", CARDS_ONLY)
    expect(page).to_have_url(f"{api.url}/capture?product={CARDS_ONLY}")
    expect(page.locator("li.document")).to_have_count(len(CARDS))
    for path, value in _fields(application).items():
        page.locator(f'[name="{path}"]').fill(value)
    submit = page.locator("#submit")
    expect(submit).to_be_disabled()

    front = page.locator('li.document[data-type="id_card_front"]')
    front.locator("input[type=file]").set_input_files(files=[{
        "name": "IMG_0001.jpg", "mimeType": "image/jpeg",
        "buffer": _too_small_and_blurred(drawn["id_card_front"])}])
    expect(front).to_have_attribute("data-state", "bad", timeout=CHECK_SECONDS)
    expect(front.locator(".verdict")).to_have_text("✗ 请重拍 Retake")
    expect(front.locator(".problems li").first).to_be_visible()
    expect(submit).to_be_disabled()
    front.scroll_into_view_if_needed()
    page.screenshot(path=shots / "capture-retake.png")

    for kind in CARDS:
        row = page.locator(f'li.document[data-type="{kind}"]')
        row.locator("input[type=file]").set_input_files(files=[{
            "name": f"IMG_{kind}.jpg", "mimeType": "image/jpeg", "buffer": drawn[kind]}])
    for kind in CARDS:
        row = page.locator(f'li.document[data-type="{kind}"]')
        expect(row).to_have_attribute("data-state", "ok", timeout=CHECK_SECONDS)
        expect(row.locator(".verdict")).to_have_text("✓ 清晰可用 Good")
    expect(submit).to_be_enabled()
    page.locator("h2", has_text="资料照片 Photos").scroll_into_view_if_needed()
    page.screenshot(path=shots / "capture-all-good.png")

    submit.click()
    expect(page.locator("#submit-state")).to_contain_text(
        f"已提交 Submitted {application['application_id']}", timeout=60_000)
    expect(page.locator("#my-dossiers li").first).to_contain_text(application["application_id"])
    page.locator("#my-dossiers").scroll_into_view_if_needed()
    page.screenshot(path=shots / "capture-submitted.png")

    [(_, folder)] = api.handed_over(1)
    assert sorted(path.name for path in folder.iterdir()) == [
        "application.json", "bank_card.jpg", "id_card_back.jpg", "id_card_front.jpg"]
    sent = json.loads((folder / "application.json").read_text(encoding="utf-8"))
    assert sent["dealer_id"] == DEALER and sent["product"] == CARDS_ONLY
    assert sent["applicant"] == application["applicant"]
    assert (folder / "id_card_front.jpg").read_bytes() == drawn["id_card_front"]  # the retake
    # the 12 MP photo was checked at 2048 px (a shorter upload), and submitted as it was taken
    assert (folder / "bank_card.jpg").read_bytes() == drawn["bank_card"]
    assert checked["bank_card"] < len(base64.b64encode(drawn["bank_card"])) / 2


def _fields(application: dict[str, Any]) -> dict[str, str]:
    """The page's inputs (named by application path) and what to type in each."""
    return {
        "application_id": application["application_id"],
        "salesperson_id": application["salesperson_id"],
        **{f"{group}.{name}": str(value)
           for group in ("applicant", "vehicle", "loan")
           for name, value in application[group].items() if value is not None},
    }
