"""The bank card (银行卡), as banks issue it.

They differ as real ones do: the colourful horizontal debit card (number lightly embossed and
tipped), the plain embossed card (silver or gold, digits raised in the card's own colour with the
holder's name in capitals under them, 储蓄卡), and the vertical card (standing up, the number
printed flat along its foot, the bank's name at the top).
"""

from __future__ import annotations

import random

from PIL import Image, ImageDraw

from autopass.documents import DocumentType
from autopass.devtools.samples import cards, draw
from autopass.devtools.samples.facts import DocumentFields, Facts
from autopass.devtools.samples.templates.base import Template, TemplateGroup, register, template

WIDE = cards.ID_SIZE
TALL = (WIDE[1], WIDE[0])

register(Template("bank_card_horizontal", DocumentType.BANK_CARD, TemplateGroup.TUNING,
                  cards.render_bank_card))

_PINYIN = {"王": "WANG", "李": "LI", "张": "ZHANG", "刘": "LIU", "陈": "CHEN", "杨": "YANG"}


def card_fields(facts: Facts) -> DocumentFields:
    return {"card_number": facts.card_number, "bank_name": facts.bank_name}


def _holder(facts: Facts) -> str:
    """The holder's name as embossed: the surname in capitals, the rest as initials."""
    surname = _PINYIN.get(facts.person.name[0], "ZHAO")
    return f"{surname} {'X' * (len(facts.person.name) - 1)}".strip()


def _embossed(card: Image.Image, xy: tuple[float, float], value: str, size: int,
              face: tuple[int, int, int]) -> None:
    """Raised characters: a dark shadow down-right, a light edge up-left, the top in ``face``."""
    x, y = xy
    shade = tuple(max(0, c - 90) for c in face)
    light = tuple(min(255, c + 50) for c in face)
    draw.text(card, (x + 3, y + 3), value, size, shade, spacing=4, mono=True)
    draw.text(card, (x - 2, y - 2), value, size, light, spacing=4, mono=True)
    draw.text(card, (x, y), value, size, face, spacing=4, mono=True, bold=True)


@template("bank_card_embossed", DocumentType.BANK_CARD, TemplateGroup.TUNING)
def render_embossed(facts: Facts, rng: random.Random) -> tuple[Image.Image, DocumentFields]:
    """A silver or gold card: the bank's name small at the top left, 储蓄卡 at the right, the
    number and the holder's name raised in the card's own colour, low contrast."""
    top, _, english = cards.BANK_STYLES[facts.bank_name]
    metal = rng.choice((((206, 208, 212), (160, 164, 170)), ((222, 200, 150), (176, 150, 96))))
    card = cards._gradient(WIDE, *metal)
    d = ImageDraw.Draw(card)
    d.rectangle((0, 0, WIDE[0], 150), fill=top)
    draw.text(card, (60, 40), facts.bank_name, 40, (255, 255, 255), bold=True)
    draw.text(card, (62, 96), english, 16, (240, 240, 240))
    draw.text(card, (WIDE[0] - 50, 50), "储蓄卡", 34, (255, 255, 255), anchor="ra")
    cards._chip(card, (90, 210))
    grouped = cards.group_card_number(facts.card_number)
    size = 58 if len(facts.card_number) <= 16 else 50
    x = (WIDE[0] - draw.text_width(grouped, size, spacing=4, mono=True)) / 2
    face = tuple(max(0, c - 40) for c in metal[0])
    _embossed(card, (x, 380), grouped, size, face)
    _embossed(card, (90, 500), _holder(facts), 34, face)
    draw.text(card, (560, 480), "有效期", 16, (70, 70, 70))
    _embossed(card, (560, 505), facts.card_expiry, 30, face)
    cards._union_pay(card, (WIDE[0] - 250, WIDE[1] - 150))
    return cards._card(card), card_fields(facts)


@template("bank_card_vertical", DocumentType.BANK_CARD, TemplateGroup.HOLDOUT)
def render_vertical(facts: Facts, rng: random.Random) -> tuple[Image.Image, DocumentFields]:
    """A card that stands up: the bank's name across the top, the chip in the middle, the number
    printed flat (not raised) along the foot in two blocks, the UnionPay mark under it."""
    top, bottom, english = cards.BANK_STYLES[facts.bank_name]
    card = cards._gradient(TALL, bottom, top)
    d = ImageDraw.Draw(card)
    for k in range(6):  # thin diagonal bands, as vertical designs have
        offset = 120 + k * 140
        d.line((0, offset, TALL[0], offset - 300), fill=tuple(min(255, c + 22) for c in top), width=6)
    draw.text(card, (TALL[0] / 2, 60), facts.bank_name, 40, (255, 255, 255), bold=True, anchor="mt")
    draw.text(card, (TALL[0] / 2, 116), english[:30], 14, (235, 235, 235), anchor="mt")
    cards._chip(card, (60, 330))
    draw.text(card, (TALL[0] - 50, 360), "借记卡", 30, (255, 255, 255), anchor="ra")
    grouped = cards.group_card_number(facts.card_number)
    size = 38 if len(facts.card_number) <= 16 else 32
    draw.text(card, (TALL[0] / 2, 700), grouped, size, (255, 255, 255), spacing=2, mono=True,
              anchor="mt")
    draw.text(card, (60, 770), f"VALID THRU {facts.card_expiry}", 22, (235, 235, 235), mono=True)
    cards._union_pay(card, (TALL[0] - 250, TALL[1] - 170))
    return cards._card(card), card_fields(facts)
