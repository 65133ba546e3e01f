"""Card-sized documents: both sides of the resident ID card, the driving licence, the bank card.

Each renderer returns the clean image and the truth fields of CONTRACT §2, taken from the very
values it printed.
"""

from __future__ import annotations

import math
import random

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from autopass.devtools.samples import draw
from autopass.devtools.samples.faces import face_crop
from autopass.devtools.samples.facts import DocumentFields, Facts, ymd

ID_SIZE = (1012, 638)
LICENCE_SIZE = (1040, 700)
LABEL_BLUE = (40, 110, 170)
INK = (18, 18, 22)


def _portrait(facts: Facts, size: tuple[int, int], *, id_style: bool) -> Image.Image:
    """The applicant's face cropped like an ID photo, pale and a little flat as printed."""
    crop = face_crop(facts.portrait_photo, widths=2.0, aspect=size[1] / size[0]).resize(
        size, Image.LANCZOS
    )
    if id_style:
        crop = ImageEnhance.Color(crop).enhance(0.8)
        crop = ImageEnhance.Contrast(crop).enhance(0.9)
        crop = ImageEnhance.Brightness(crop).enhance(1.05)
    mask = Image.new("L", size, 255)
    edge = ImageDraw.Draw(mask)
    for i in range(14):  # printed portraits fade into the card's background at their edges
        edge.rectangle((i, i, size[0] - 1 - i, size[1] - 1 - i), outline=int(255 * i / 14))
    crop.putalpha(mask.filter(ImageFilter.GaussianBlur(3)))
    return crop


def _card(background: Image.Image) -> Image.Image:
    card = background.convert("RGBA")
    card.putalpha(draw.rounded_mask(card.size, 36))
    return card


def render_id_front(facts: Facts, rng: random.Random) -> tuple[Image.Image, DocumentFields]:
    person = facts.person
    card = draw.guilloche(ID_SIZE, (234, 242, 240), (170, 205, 215), rng)
    portrait = _portrait(facts, (290, 360), id_style=True)
    card.paste(portrait, (665, 75), portrait)
    label, value = 30, 34
    draw.text(card, (70, 75), "姓  名", label, LABEL_BLUE)
    draw.text(card, (190, 72), person.name, value + 4, INK, spacing=6, bold=True)
    draw.text(card, (70, 150), "性  别", label, LABEL_BLUE)
    draw.text(card, (190, 147), person.sex, value, INK)
    draw.text(card, (330, 150), "民  族", label, LABEL_BLUE)
    draw.text(card, (450, 147), person.ethnicity, value, INK)
    draw.text(card, (70, 225), "出  生", label, LABEL_BLUE)
    birth = person.birth_date
    x = draw.text(card, (190, 222), str(birth.year), value, INK)
    x = draw.text(card, (x + 14, 225), "年", label, LABEL_BLUE)
    x = draw.text(card, (x + 14, 222), str(birth.month), value, INK)
    x = draw.text(card, (x + 14, 225), "月", label, LABEL_BLUE)
    x = draw.text(card, (x + 14, 222), str(birth.day), value, INK)
    draw.text(card, (x + 14, 225), "日", label, LABEL_BLUE)
    draw.text(card, (70, 300), "住  址", label, LABEL_BLUE)
    for i, line in enumerate(draw.wrap(person.address, 12)[:3]):
        draw.text(card, (190, 297 + i * 50), line, value, INK, spacing=2)
    draw.text(card, (70, 535), "公民身份号码", label, LABEL_BLUE)
    draw.text(card, (345, 528), person.id_number, 44, INK, spacing=5, mono=True, bold=True)
    fields: DocumentFields = {
        "name": person.name,
        "sex": person.sex,
        "ethnicity": person.ethnicity,
        "birth_date": ymd(birth),
        "address": person.address,
        "id_number": person.id_number,
    }
    return _card(card), fields


def _emblem(canvas: Image.Image, centre: tuple[int, int], radius: int) -> None:
    """A stylised national emblem: red disc, gold rim, one large and four small stars, a gate."""
    d = ImageDraw.Draw(canvas)
    cx, cy = centre
    d.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=(222, 176, 60))
    inner = radius - 12
    d.ellipse((cx - inner, cy - inner, cx + inner, cy + inner), fill=(205, 30, 35))
    draw._star(d, (cx, cy - inner * 0.45), inner * 0.28, (250, 210, 70))
    for k in range(4):
        a = math.radians(-150 + k * 40)
        draw._star(
            d,
            (
                cx + inner * 0.62 * math.cos(a) + inner * 0.25,
                cy - inner * 0.45 + inner * 0.5 * math.sin(a) + inner * 0.2,
            ),
            inner * 0.1,
            (250, 210, 70),
        )
    gate_top = cy + inner * 0.05
    d.rectangle(
        (cx - inner * 0.55, gate_top, cx + inner * 0.55, gate_top + inner * 0.35),
        fill=(250, 210, 70),
    )
    d.polygon(
        [(cx - inner * 0.7, gate_top), (cx + inner * 0.7, gate_top), (cx, gate_top - inner * 0.2)],
        fill=(250, 210, 70),
    )
    for k in range(5):
        x = cx - inner * 0.4 + k * inner * 0.2
        d.rectangle((x - 4, gate_top + 8, x + 4, gate_top + inner * 0.3), fill=(205, 30, 35))
    d.rectangle(
        (cx - inner * 0.75, cy + inner * 0.55, cx + inner * 0.75, cy + inner * 0.68),
        fill=(250, 210, 70),
    )


def render_id_back(facts: Facts, rng: random.Random) -> tuple[Image.Image, DocumentFields]:
    person = facts.person
    card = draw.guilloche(ID_SIZE, (236, 243, 238), (175, 210, 200), rng, density=0.8)
    d = ImageDraw.Draw(card)
    for k in range(6):  # the faint Great Wall band across the middle of the real card
        y = 330 + k * 9
        d.line(
            [(x, y + 12 * math.sin(x / 60 + k)) for x in range(0, ID_SIZE[0], 8)],
            fill=(200, 222, 214),
            width=2,
        )
    _emblem(card, (150, 150), 100)
    draw.text(card, (300, 85), "中华人民共和国", 48, INK, spacing=14, bold=True)
    draw.text(card, (300, 175), "居民身份证", 80, INK, spacing=22, bold=True)
    valid_from = person.id_valid_from
    valid_to = person.id_valid_to
    period = f"{valid_from:%Y.%m.%d}-" + (f"{valid_to:%Y.%m.%d}" if valid_to else "长期")
    draw.text(card, (190, 445), "签发机关", 30, LABEL_BLUE, spacing=4)
    draw.text(card, (370, 442), person.region.police, 34, INK)
    draw.text(card, (190, 520), "有效期限", 30, LABEL_BLUE, spacing=4)
    draw.text(card, (370, 517), period, 34, INK, mono=True)
    fields: DocumentFields = {
        "issuing_authority": person.region.police,
        "valid_from": ymd(valid_from),
        "valid_to": ymd(valid_to) if valid_to else "长期",
    }
    return _card(card), fields


def render_driving_licence(facts: Facts, rng: random.Random) -> tuple[Image.Image, DocumentFields]:
    person = facts.person
    page = draw.guilloche(LICENCE_SIZE, (246, 238, 228), (228, 200, 196), rng, density=0.6)
    d = ImageDraw.Draw(page)
    d.rectangle((18, 18, LICENCE_SIZE[0] - 18, LICENCE_SIZE[1] - 18), outline=(60, 50, 50), width=3)
    draw.text(
        page,
        (LICENCE_SIZE[0] / 2, 48),
        "中华人民共和国机动车驾驶证",
        42,
        INK,
        spacing=6,
        bold=True,
        anchor="mt",
    )
    draw.text(
        page,
        (LICENCE_SIZE[0] / 2, 104),
        "Driving License of the People's Republic of China",
        20,
        (60, 60, 60),
        anchor="mt",
    )
    d.line((40, 140, LICENCE_SIZE[0] - 40, 140), fill=(90, 70, 70), width=2)
    label, value, left, col = 28, 32, 60, 250
    rows = [
        ("证号", person.id_number),
        ("姓名", person.name),
        ("住址", person.address),
        ("出生日期", ymd(person.birth_date)),
        ("初次领证日期", ymd(person.licence_first_issued)),
        ("准驾车型", person.licence_class),
        ("有效期限", f"{ymd(person.licence_valid_from)} 至 {ymd(person.licence_valid_to)}"),
    ]
    y = 165
    for caption, shown in rows:
        draw.text(page, (left, y + 3), caption, label, (70, 60, 60))
        if caption == "住址":
            for i, part in enumerate(draw.wrap(shown, 14)[:2]):
                draw.text(page, (col, y + i * 42), part, value, INK)
            y += 42
        elif caption == "姓名":
            draw.text(page, (col, y), shown, value, INK, spacing=4)
            draw.text(page, (430, y + 3), "性别", label, (70, 60, 60))
            draw.text(page, (510, y), person.sex, value, INK)
            draw.text(page, (580, y + 3), "国籍", label, (70, 60, 60))
            draw.text(page, (660, y), "中国", value, INK)
        else:
            draw.text(
                page,
                (col, y),
                shown,
                value,
                INK,
                mono=caption in ("证号", "准驾车型", "有效期限", "出生日期", "初次领证日期"),
            )
        y += 62
    portrait = _portrait(facts, (190, 240), id_style=True)
    page.paste(portrait, (LICENCE_SIZE[0] - 250, 170), portrait)
    draw.seal(
        page, (LICENCE_SIZE[0] - 160, LICENCE_SIZE[1] - 130), 85, facts.licence_authority, rng
    )
    fields: DocumentFields = {
        "name": person.name,
        "id_number": person.id_number,
        "licence_class": person.licence_class,
        "valid_from": ymd(person.licence_valid_from),
        "valid_to": ymd(person.licence_valid_to),
    }
    return page, fields


BANK_STYLES: dict[str, tuple[tuple[int, int, int], tuple[int, int, int], str]] = {
    "中国工商银行": ((196, 18, 28), (120, 8, 16), "INDUSTRIAL AND COMMERCIAL BANK OF CHINA"),
    "中国农业银行": ((18, 140, 110), (6, 80, 64), "AGRICULTURAL BANK OF CHINA"),
    "中国建设银行": ((16, 80, 165), (6, 40, 100), "CHINA CONSTRUCTION BANK"),
    "中国银行": ((178, 30, 40), (100, 10, 20), "BANK OF CHINA"),
    "交通银行": ((30, 65, 145), (14, 30, 80), "BANK OF COMMUNICATIONS"),
    "招商银行": ((200, 20, 46), (110, 10, 30), "CHINA MERCHANTS BANK"),
    "中国邮政储蓄银行": ((0, 122, 62), (0, 70, 36), "POSTAL SAVINGS BANK OF CHINA"),
    "兴业银行": ((0, 64, 152), (0, 32, 90), "INDUSTRIAL BANK CO., LTD."),
}


def _gradient(
    size: tuple[int, int], top: tuple[int, int, int], bottom: tuple[int, int, int]
) -> Image.Image:
    import numpy as np

    w, h = size
    t = (np.linspace(0, 1, w)[None, :] * 0.6 + np.linspace(0, 1, h)[:, None] * 0.4)[..., None]
    arr = np.array(top, np.float32) * (1 - t) + np.array(bottom, np.float32) * t
    return Image.fromarray(arr.astype("uint8"), "RGB")


def _union_pay(canvas: Image.Image, origin: tuple[int, int]) -> None:
    """A UnionPay-like mark: red, blue and green slanted blocks with 银联 / UnionPay."""
    d = ImageDraw.Draw(canvas)
    x, y = origin
    for k, colour in enumerate(((221, 30, 38), (0, 86, 164), (0, 140, 120))):
        left = x + k * 62
        d.rounded_rectangle((left, y, left + 78, y + 120), radius=10, fill=colour)
    draw.text(canvas, (x + 108, y + 48), "银联", 40, (255, 255, 255), bold=True, anchor="mm")
    draw.text(canvas, (x + 108, y + 95), "UnionPay", 22, (255, 255, 255), bold=True, anchor="mm")


def _chip(canvas: Image.Image, origin: tuple[int, int]) -> None:
    d = ImageDraw.Draw(canvas)
    x, y = origin
    d.rounded_rectangle(
        (x, y, x + 120, y + 92), radius=14, fill=(214, 184, 110), outline=(150, 120, 60), width=2
    )
    for k in (31, 61):
        d.line((x, y + k, x + 120, y + k), fill=(150, 120, 60), width=2)
    d.line((x + 60, y, x + 60, y + 92), fill=(150, 120, 60), width=2)


def group_card_number(number: str) -> str:
    """``6228480012345678901`` -> ``6228 4800 1234 5678 901`` as banks print it."""
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def render_bank_card(facts: Facts, rng: random.Random) -> tuple[Image.Image, DocumentFields]:
    top, bottom, english = BANK_STYLES[facts.bank_name]
    card = _gradient(ID_SIZE, top, bottom)
    d = ImageDraw.Draw(card)
    for k in range(5):  # soft sweeping arcs, as most Chinese debit cards have
        r = 500 + k * 90
        d.arc(
            (ID_SIZE[0] - r, ID_SIZE[1] - r * 0.6, ID_SIZE[0] + r, ID_SIZE[1] + r),
            180,
            300,
            fill=tuple(min(255, c + 30) for c in top),
            width=3,
        )
    d.ellipse((50, 40, 130, 120), outline=(255, 255, 255), width=8)
    d.rectangle((84, 60, 96, 100), fill=(255, 255, 255))
    draw.text(card, (150, 48), facts.bank_name, 46, (255, 255, 255), bold=True)
    draw.text(card, (152, 104), english, 17, (240, 240, 240))
    draw.text(card, (ID_SIZE[0] - 50, 52), "借记卡", 34, (255, 255, 255), anchor="ra")
    draw.text(card, (ID_SIZE[0] - 50, 96), "DEBIT CARD", 20, (240, 240, 240), anchor="ra")
    _chip(card, (110, 215))
    grouped = group_card_number(facts.card_number)
    size = 60 if len(facts.card_number) <= 16 else 54
    x = (ID_SIZE[0] - draw.text_width(grouped, size, spacing=3, mono=True)) / 2
    draw.text(
        card, (x + 3, 393), grouped, size, (40, 40, 40), spacing=3, mono=True
    )  # emboss shadow
    draw.text(card, (x - 1, 389), grouped, size, (255, 255, 255), spacing=3, mono=True)
    draw.text(card, (x, 390), grouped, size, (228, 222, 205), spacing=3, mono=True, bold=True)
    draw.text(card, (110, 500), "VALID", 14, (240, 240, 240))
    draw.text(card, (110, 518), "THRU", 14, (240, 240, 240))
    draw.text(card, (165, 498), facts.card_expiry, 34, (235, 230, 215), mono=True)
    _union_pay(card, (ID_SIZE[0] - 250, ID_SIZE[1] - 160))
    fields: DocumentFields = {"card_number": facts.card_number, "bank_name": facts.bank_name}
    return _card(card), fields
