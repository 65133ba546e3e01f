"""Paper documents: the registration certificate and the selfie taken at signing (a photo with a
watermark-camera stamp). The invoice and the contract have templates of their own
(``autopass.devtools.samples.templates``)."""

from __future__ import annotations

import random

from PIL import Image, ImageDraw, ImageEnhance, ImageOps

from autopass.devtools.samples import draw
from autopass.devtools.samples.faces import face_crop
from autopass.devtools.samples.facts import DocumentFields, Facts, ymd

A4 = (1240, 1754)
INK = (20, 20, 26)


def render_vehicle_registration(
    facts: Facts, rng: random.Random
) -> tuple[Image.Image, DocumentFields]:
    page = draw.guilloche(A4, (236, 244, 232), (214, 232, 206), rng, density=0.5)
    line = (60, 100, 70)
    person, vehicle = facts.person, facts.vehicle
    draw.text(
        page,
        (A4[0] / 2, 110),
        "机动车登记证书",
        68,
        (30, 60, 40),
        spacing=16,
        bold=True,
        anchor="mt",
    )
    draw.text(page, (760, 230), "登记编号", 30, line)
    draw.text(page, (900, 225), facts.registration_number, 36, INK, mono=True)
    office = f"{person.region.city or person.region.province}公安局交通警察支队车辆管理所"
    rows = [
        ("1.机动车所有人/身份证明名称/号码", f"{person.name}/居民身份证/{person.id_number}"),
        ("2.登记机关", office),
        ("3.登记日期", ymd(facts.registration_date)),
        ("4.号牌号码", vehicle.plate),
        ("5.车辆类型", "小型轿车"),
        ("6.车辆品牌", vehicle.brand),
        ("7.车辆型号", vehicle.model.split(" ", 1)[1]),
        ("8.车身颜色", vehicle.colour),
        ("9.车辆识别代号/车架号", vehicle.vin),
        ("10.国产/进口", "国产"),
        ("11.发动机号", vehicle.engine_number),
        ("12.燃料种类", "汽油"),
        ("13.使用性质", "非营运"),
        ("14.车辆获得方式", "购买"),
    ]
    table_rows = [[(caption, 420), ("", 680)] for caption, _ in rows]
    values = {
        (i, 1): (shown, INK, 26 if len(shown) > 24 else 30) for i, (_, shown) in enumerate(rows)
    }
    draw.table(page, (70, 300), table_rows, 88, line=line, label=line, size=26, values=values)
    draw.seal(page, (900, 1600), 120, office[:-3], rng, centre_text="登记专用章")
    fields: DocumentFields = {
        "owner_name": person.name,
        "vin": vehicle.vin,
        "registration_number": facts.registration_number,
    }
    return page, fields


SELFIE_SIZE = (960, 1280)


def render_selfie(facts: Facts, rng: random.Random) -> tuple[Image.Image, DocumentFields]:
    """The person at the dealer's desk, framed by the salesperson's phone, with the time and place
    stamped by a watermark-camera app as dealers' apps do."""
    photo = face_crop(
        facts.selfie_photo, widths=rng.uniform(3.0, 3.8), aspect=SELFIE_SIZE[1] / SELFIE_SIZE[0]
    )
    photo = photo.resize(SELFIE_SIZE, Image.LANCZOS)
    if facts.selfie_mirrored:
        photo = ImageOps.mirror(photo)
    photo = ImageEnhance.Brightness(photo).enhance(rng.uniform(0.85, 1.1))
    photo = ImageEnhance.Color(photo).enhance(rng.uniform(0.9, 1.15))
    stamp = Image.new("RGBA", SELFIE_SIZE, (0, 0, 0, 0))
    d = ImageDraw.Draw(stamp)
    top = SELFIE_SIZE[1] - 250
    d.rounded_rectangle((30, top, 640, SELFIE_SIZE[1] - 40), radius=12, fill=(0, 0, 0, 110))
    d.rectangle((30, top, 42, SELFIE_SIZE[1] - 40), fill=(250, 190, 40, 230))
    draw.text(
        stamp, (60, top + 18), f"{facts.submitted_at:%H:%M}", 64, (255, 255, 255, 240), bold=True
    )
    draw.text(
        stamp, (60, top + 100), f"{facts.submitted_at:%Y-%m-%d}  面签拍照", 28, (255, 255, 255, 230)
    )
    draw.text(stamp, (60, top + 145), facts.dealer_name[:18], 26, (255, 255, 255, 220))
    draw.text(
        stamp,
        (60, top + 180),
        f"经销商 {facts.dealer_id}  销售 {facts.salesperson_id}",
        24,
        (235, 235, 235, 220),
    )
    photo = photo.convert("RGBA")
    photo.alpha_composite(stamp)
    return photo.convert("RGB"), {}
