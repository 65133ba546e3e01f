"""The driving licence (机动车驾驶证), as it has been printed over the years.

They differ as real ones do: the 2022 card (labels in Chinese, values in a fixed-width face, the
portrait right), the bilingual card (each label over its English word, portrait left, a blue
tint) and the old card (a ruled grid, a pink tint, 有效起始日期 with the term in years instead of
an end date: 有效期限 6年).
"""

from __future__ import annotations

import random

from PIL import Image, ImageDraw

from autopass.documents import DocumentType
from autopass.devtools.samples import cards, draw
from autopass.devtools.samples.facts import DocumentFields, Facts, ymd
from autopass.devtools.samples.templates.base import Template, TemplateGroup, register, template

SIZE = cards.LICENCE_SIZE
INK = cards.INK

register(Template("driving_licence_2022", DocumentType.DRIVING_LICENCE, TemplateGroup.TUNING,
                  cards.render_driving_licence))


def licence_fields(facts: Facts) -> DocumentFields:
    person = facts.person
    return {
        "name": person.name,
        "id_number": person.id_number,
        "licence_class": person.licence_class,
        "valid_from": ymd(person.licence_valid_from),
        "valid_to": ymd(person.licence_valid_to),
    }


def _title(page: Image.Image, y: int, size: int, colour: tuple[int, int, int]) -> None:
    draw.text(page, (SIZE[0] / 2, y), "中华人民共和国机动车驾驶证", size, colour, spacing=4, bold=True,
              anchor="mt")


@template("driving_licence_bilingual", DocumentType.DRIVING_LICENCE, TemplateGroup.TUNING)
def render_bilingual(facts: Facts, rng: random.Random) -> tuple[Image.Image, DocumentFields]:
    """Each label with its English word under it (姓名 / Name), values in the regular face, the
    portrait on the left and the class large and bold; a blue-grey security print."""
    person = facts.person
    page = draw.guilloche(SIZE, (232, 238, 244), (196, 210, 228), rng, density=0.7)
    label_ink, english_ink = (40, 60, 100), (90, 100, 120)
    _title(page, 30, 46, (20, 40, 90))
    draw.text(page, (SIZE[0] / 2, 88), "Driving License of the People's Republic of China", 18,
              english_ink, anchor="mt")
    portrait = cards._portrait(facts, (200, 250), id_style=True)
    page.paste(portrait, (40, 190), portrait)
    left, col = 270, 470
    rows = [
        ("证号", "License No.", person.id_number),
        ("姓名", "Name", person.name),
        ("住址", "Address", person.address),
        ("出生日期", "Date of Birth", ymd(person.birth_date)),
        ("初次领证日期", "Date of First Issue", ymd(person.licence_first_issued)),
        ("准驾车型", "Class", person.licence_class),
        ("有效期限", "Valid Period",
         f"{ymd(person.licence_valid_from)} 至 {ymd(person.licence_valid_to)}"),
    ]
    y = 128
    for caption, english, shown in rows:
        draw.text(page, (left, y), caption, 26, label_ink)
        draw.text(page, (left, y + 30), english, 14, english_ink)
        if caption == "住址":
            parts = draw.wrap(shown, 16)[:2]
            for i, part in enumerate(parts):
                draw.text(page, (col - 20, y + i * 36), part, 28, INK)
            y += 36 * (len(parts) - 1)
        elif caption == "姓名":
            draw.text(page, (col - 20, y - 2), shown, 32, INK, spacing=6)
            draw.text(page, (700, y), "性别", 26, label_ink)
            draw.text(page, (700, y + 30), "Sex", 14, english_ink)
            draw.text(page, (770, y - 2), person.sex, 30, INK)
            draw.text(page, (830, y), "国籍", 26, label_ink)
            draw.text(page, (830, y + 30), "Nationality", 14, english_ink)
            draw.text(page, (910, y - 2), "中国", 30, INK)
        elif caption == "准驾车型":
            draw.text(page, (col + 20, y - 4), shown, 34, INK, bold=True)
        else:
            draw.text(page, (col + 20, y - 2), shown, 30, INK)
        y += 74
    draw.seal(page, (150, SIZE[1] - 120), 80, facts.licence_authority, rng)
    return page, licence_fields(facts)


@template("driving_licence_2008", DocumentType.DRIVING_LICENCE, TemplateGroup.HOLDOUT)
def render_2008(facts: Facts, rng: random.Random) -> tuple[Image.Image, DocumentFields]:
    """The old card: a ruled grid of label cells, a pink print, the validity as a start date and a
    term in years (有效起始日期 2019-03-02 / 有效期限 6年), the portrait bottom right."""
    person = facts.person
    page = draw.guilloche(SIZE, (248, 232, 236), (236, 190, 204), rng, density=0.9)
    line, label_ink = (150, 60, 80), (120, 40, 60)
    _title(page, 30, 40, (150, 30, 50))
    term = person.licence_valid_to.year - person.licence_valid_from.year
    rows = [
        [("证号", 190), ("", 400), ("", 370)],
        [("姓名", 190), ("", 200), ("性别", 90), ("", 110), ("国籍", 90), ("", 280)],
        [("住址", 190), ("", 770)],
        [("出生日期", 190), ("", 400), ("", 370)],
        [("初次领证日期", 190), ("", 400), ("", 370)],
        [("准驾车型", 190), ("", 400), ("", 370)],
        [("有效起始日期", 190), ("", 400), ("", 370)],
        [("有效期限", 190), ("", 400), ("", 370)],
    ]
    values = {
        (0, 1): (person.id_number, INK, 30),
        (1, 1): (person.name, INK, 32),
        (1, 3): (person.sex, INK, 30),
        (1, 5): ("中国", INK, 30),
        (2, 1): (person.address[:24], INK, 26),
        (3, 1): (ymd(person.birth_date), INK, 28),
        (4, 1): (ymd(person.licence_first_issued), INK, 28),
        (5, 1): (person.licence_class, INK, 32),
        (6, 1): (ymd(person.licence_valid_from), INK, 28),
        (7, 1): (f"{term}年", INK, 30),
    }
    draw.table(page, (40, 110), rows, 66, line=line, label=label_ink, size=24, values=values)
    portrait = cards._portrait(facts, (170, 215), id_style=True)
    ImageDraw.Draw(page).rectangle((SIZE[0] - 230, 240, SIZE[0] - 50, 465), fill=(250, 244, 246))
    page.paste(portrait, (SIZE[0] - 225, 245), portrait)
    draw.seal(page, (SIZE[0] - 260, SIZE[1] - 95), 75, facts.licence_authority, rng)
    return page, licence_fields(facts)
