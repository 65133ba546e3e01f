"""The README's curl examples for dealers' systems, run as written against a real server."""

from __future__ import annotations

import io
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from autopass.settings import Settings
from tests.dealer_api.conftest import DEALER, DealerApi, png, start_dealer_api
from tests.factories import APPLICATION

README = Path(__file__).resolve().parents[2] / "README.md"
README_HOST = "http://autopass:8000"


def _curl_blocks() -> list[str]:
    """The ```bash blocks of "For dealers' systems" that call curl, in order."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## For dealers' systems", 1)[1].split("\n## ", 1)[0]
    return [block for block in re.findall(r"```bash\n(.*?)```", section, re.S) if "curl" in block]


@pytest.fixture
def api(settings: Settings) -> Iterator[DealerApi]:
    from autopass.store import upgrade

    upgrade(settings)
    yield from start_dealer_api(settings.model_copy(update={"secret_key": "k" * 40}))


def test_the_readme_s_curl_examples_work_as_written(api: DealerApi, tmp_path: Path) -> None:
    blocks = _curl_blocks()
    assert len(blocks) == 2, "the README's dealer section should show submit/follow and the check"
    photo = io.BytesIO()
    Image.new("RGB", (320, 200), (240, 238, 230)).save(photo, "JPEG")
    (tmp_path / "IMG_0412.jpg").write_bytes(photo.getvalue())
    (tmp_path / "scan_02.png").write_bytes(png("card"))
    (tmp_path / "application.json").write_text(json.dumps({**APPLICATION, "dealer_id": DEALER}),
                                               encoding="utf-8")
    outputs = []
    for block in blocks:
        script = block.replace(README_HOST, api.url)
        script = re.sub(r"^KEY=\S+", f"KEY={api.keys[DEALER]}", script, flags=re.M)
        if "KEY=" not in script:  # a later block uses the key the first one set
            script = f"KEY={api.keys[DEALER]}\n{script}"
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    submitted, followed = _json_values(outputs[0])
    assert submitted["status"] == "received"
    assert submitted["application_id"] == followed["application_id"] == APPLICATION["application_id"]
    checked = json.loads(outputs[1])
    assert checked["ok"] is False and checked["problems"]  # a blank photo shows no ID card


def _json_values(text: str) -> list[dict]:
    """The JSON bodies curl printed one after another (with no newline between them)."""
    decoder, values, at = json.JSONDecoder(), [], 0
    while (at := _skip_space(text, at)) < len(text):
        value, at = decoder.raw_decode(text, at)
        values.append(value)
    return values


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at
