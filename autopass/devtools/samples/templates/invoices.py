"""The vehicle sales invoice (机动车销售统一发票), as different printers and systems print it: the
pre-printed paper form filled by a dealer's dot-matrix or laser printer (values shifted as the
paper fed), and the all-digital 数电 invoice (a PDF-like page, a 20-digit number, no seal)."""

from __future__ import annotations

import io
import random
import zlib
from datetime import date as date_type

import segno
from PIL import Image, ImageDraw

from autopass.documents import DocumentType
from autopass.devtools.samples import draw
from autopass.devtools.samples.facts import DocumentFields, Facts, ymd
from autopass.devtools.samples.people import amount_in_words
from autopass.devtools.samples.templates.base import TemplateGroup, template
from autopass.devtools.samples.templates.contracts import money

INVOICE_SIZE = (1600, 1000)
PRINTER = (30, 30, 60)
INK_BLACK = (15, 15, 15)


def invoice_fields(facts: Facts, invoice_number: str | None = None) -> DocumentFields:
    return {
        "buyer_name": facts.invoice_buyer_name,
        "buyer_id_number": facts.person.id_number,
        "vin": facts.invoice_vin,
        "price_total": facts.vehicle.price,
        "invoice_number": invoice_number or facts.invoice_number,
        "invoice_date": ymd(facts.invoice_date),
    }


def digital_invoice_number(facts: Facts) -> str:
    """A 数电 invoice's 20 digits: year, province, issuing channel, then a running number."""
    return f"{facts.invoice_date:%y}{facts.person.region.code[:2]}2{facts.invoice_code[-7:]}{facts.invoice_number}"


def _tax(price: float) -> float:
    return round(price / 1.13 * 0.13, 2)


def invoice_qr_text(number: str, total: float, day: date_type) -> str:
    """What a 数电 invoice's QR code carries: version, kind, code (none), number, the amount before
    VAT, the date, a check code (none) and a checksum of the rest."""
    body = f"01,32,,{number},{total - _tax(total):.2f},{day:%Y%m%d},"
    return f"{body},{zlib.crc32(body.encode()) & 0xFFFF:04X}"


def _qr(text: str, scale: int) -> Image.Image:
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=scale, border=2)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


@template("invoice_paper_a", DocumentType.VEHICLE_INVOICE, TemplateGroup.TUNING)
def render_paper_a(facts: Facts, rng: random.Random) -> tuple[Image.Image, DocumentFields]:
    """The 2015 paper form filled by a laser printer: values a few pixels off their cells."""
    page = draw.paper(INVOICE_SIZE, (250, 250, 246), rng)
    line = (70, 110, 130)
    draw.text(
        page,
        (INVOICE_SIZE[0] / 2, 60),
        "机动车销售统一发票",
        56,
        (120, 60, 50),
        spacing=10,
        bold=True,
        anchor="mt",
    )
    draw.text(page, (INVOICE_SIZE[0] / 2, 132), "发  票  联", 30, (120, 60, 50), anchor="mt")
    ImageDraw.Draw(page).ellipse(
        (INVOICE_SIZE[0] / 2 - 110, 122, INVOICE_SIZE[0] / 2 + 110, 176),
        outline=(200, 140, 120),
        width=2,
    )
    draw.text(page, (60, 190), "开票日期", 26, line)
    draw.text(page, (180, 186), ymd(facts.invoice_date), 30, PRINTER, mono=True)
    draw.text(page, (1170, 70), "发票代码", 26, line)
    draw.text(page, (1290, 66), facts.invoice_code, 30, PRINTER, mono=True)
    draw.text(page, (1170, 120), "发票号码", 26, line)
    draw.text(page, (1290, 114), facts.invoice_number, 34, (200, 30, 30), mono=True)
    vehicle = facts.vehicle
    tax = _tax(vehicle.price)
    rows = [
        [("机器编号", 180), ("", 420), ("", 880)],
        [("购买方名称", 180), ("", 420), ("身份证号码/组织机构代码", 280), ("", 600)],
        [("车辆类型", 180), ("", 420), ("厂牌型号", 160), ("", 420), ("产地", 100), ("", 200)],
        [
            ("合格证号", 180),
            ("", 420),
            ("进口证明书号", 160),
            ("", 320),
            ("商检单号", 140),
            ("", 260),
        ],
        [("发动机号码", 180), ("", 420), ("车辆识别代号/车架号码", 280), ("", 600)],
        [("价税合计", 180), ("", 720), ("小写", 100), ("", 480)],
        [("销货单位名称", 180), ("", 720), ("纳税人识别号", 200), ("", 380)],
        [
            ("增值税税率或征收率", 180),
            ("", 200),
            ("增值税税额", 160),
            ("", 360),
            ("不含税价", 140),
            ("", 440),
        ],
    ]
    jitter = (rng.randint(-6, 10), rng.randint(-8, 8))
    values = {
        (0, 1): ("499" + facts.invoice_number, PRINTER, 28),
        (1, 1): (facts.invoice_buyer_name, PRINTER, 32),
        (1, 3): (facts.person.id_number, PRINTER, 32),
        (2, 1): ("轿车", PRINTER, 30),
        (2, 3): (vehicle.model, PRINTER, 26),
        (2, 5): ("中国", PRINTER, 28),
        (3, 1): (f"W{facts.invoice_number}{vehicle.engine_number[:4]}", PRINTER, 26),
        (4, 1): (vehicle.engine_number, PRINTER, 30),
        (4, 3): (facts.invoice_vin, PRINTER, 34),
        (5, 1): (amount_in_words(vehicle.price), PRINTER, 32),
        (5, 3): (f"¥{money(vehicle.price)}", PRINTER, 34),
        (6, 1): (facts.dealer_name, PRINTER, 28),
        (6, 3): (f"91{facts.person.region.code}MA{facts.invoice_code[-6:]}", PRINTER, 24),
        (7, 1): ("13%", PRINTER, 28),
        (7, 3): (f"¥{money(tax)}", PRINTER, 28),
        (7, 5): (f"¥{money(vehicle.price - tax)}", PRINTER, 28),
    }
    draw.table(
        page, (60, 240), rows, 80, line=line, label=line, size=24, values=values, jitter=jitter
    )
    draw.text(page, (60, 900), "销货单位盖章", 24, line)
    draw.text(page, (700, 900), "开票人", 24, line)
    draw.text(page, (800, 896), "李娜", 28, PRINTER)
    draw.seal(page, (420, 880), 110, facts.dealer_name, rng, centre_text="发票专用章", oval=True)
    return page, invoice_fields(facts)


@template("invoice_digital", DocumentType.VEHICLE_INVOICE, TemplateGroup.TUNING)
def render_digital(facts: Facts, rng: random.Random) -> tuple[Image.Image, DocumentFields]:
    """The 数电 invoice: white page, black print, the title with 电子发票, a 20-digit number and the
    date in 年月日 at the top right, the buyer's block and a ruled table; no seal."""
    page = draw.paper(INVOICE_SIZE, (253, 253, 253), rng, fibres=0)
    line = (150, 90, 60)
    label = (120, 70, 40)
    number = digital_invoice_number(facts)
    vehicle = facts.vehicle
    tax = _tax(vehicle.price)
    draw.text(page, (INVOICE_SIZE[0] / 2, 50), "机动车销售统一发票", 54, (150, 60, 40), spacing=8,
              bold=True, anchor="mt")
    draw.text(page, (INVOICE_SIZE[0] / 2, 120), "（电子发票）", 28, (150, 60, 40), anchor="mt")
    # The QR code carries what was invoiced; a price raised on the print alone leaves it as it was.
    qr_total = facts.invoice_qr_amount if facts.invoice_qr_amount is not None else vehicle.price
    page.paste(_qr(invoice_qr_text(number, qr_total, facts.invoice_date), 5), (70, 24))
    ImageDraw.Draw(page).line((560, 170, 1040, 170), fill=(150, 60, 40), width=3)
    draw.text(page, (1110, 60), "发票号码：", 24, label)
    draw.text(page, (1230, 58), number, 24, INK_BLACK, mono=True)
    draw.text(page, (1110, 110), "开票日期：", 24, label)
    day = facts.invoice_date
    draw.text(page, (1230, 108), f"{day:%Y}年{day:%m}月{day:%d}日", 24, INK_BLACK)
    rows = [
        [("购买方名称", 220), ("", 520), ("统一社会信用代码/纳税人识别号/身份证号码", 320), ("", 420)],
        [("车辆类型", 220), ("", 520), ("厂牌型号", 320), ("", 420)],
        [("车辆识别代号/车架号", 220), ("", 520), ("发动机号码", 320), ("", 420)],
        [("价税合计（大写）", 220), ("", 520), ("（小写）", 320), ("", 420)],
        [("销售方名称", 220), ("", 520), ("统一社会信用代码/纳税人识别号", 320), ("", 420)],
        [("税率/征收率", 220), ("", 520), ("税额", 320), ("", 420)],
    ]
    values = {
        (0, 1): (facts.invoice_buyer_name, INK_BLACK, 30),
        (0, 3): (facts.person.id_number, INK_BLACK, 28),
        (1, 1): ("轿车", INK_BLACK, 28),
        (1, 3): (vehicle.model, INK_BLACK, 24),
        (2, 1): (facts.invoice_vin, INK_BLACK, 30),
        (2, 3): (vehicle.engine_number, INK_BLACK, 28),
        (3, 1): (amount_in_words(vehicle.price), INK_BLACK, 28),
        (3, 3): (f"¥{money(vehicle.price)}", INK_BLACK, 30),
        (4, 1): (facts.dealer_name, INK_BLACK, 24),
        (4, 3): (f"91{facts.person.region.code}MA{facts.invoice_code[-6:]}", INK_BLACK, 22),
        (5, 1): ("13%", INK_BLACK, 28),
        (5, 3): (f"¥{money(tax)}", INK_BLACK, 28),
    }
    draw.table(page, (60, 220), rows, 100, line=line, label=label, size=24, values=values)
    draw.text(page, (60, 880), "开票人：", 24, label)
    draw.text(page, (170, 878), "王芳", 26, INK_BLACK)
    return page, invoice_fields(facts, number)



@template("invoice_paper_b", DocumentType.VEHICLE_INVOICE, TemplateGroup.HOLDOUT)
def render_paper_b(facts: Facts, rng: random.Random) -> tuple[Image.Image, DocumentFields]:
    """The 2021 paper form (纳税人识别号/统一社会信用代码/身份证明号码) filled by a dot-matrix printer:
    darker, blockier values that sit well off their cells, a blue form and the number in red."""
    page = draw.paper(INVOICE_SIZE, (246, 248, 244), rng)
    line = (40, 90, 150)
    vehicle = facts.vehicle
    tax = _tax(vehicle.price)
    draw.text(page, (INVOICE_SIZE[0] / 2, 50), "机动车销售统一发票", 52, (40, 90, 150), spacing=12,
              bold=True, anchor="mt")
    draw.text(page, (INVOICE_SIZE[0] / 2, 118), "发 票 联", 28, (40, 90, 150), anchor="mt")
    draw.text(page, (60, 60), "发票代码", 24, line)
    draw.text(page, (170, 56), facts.invoice_code, 28, PRINTER, mono=True)
    draw.text(page, (60, 105), "发票号码", 24, line)
    draw.text(page, (170, 100), facts.invoice_number, 32, (190, 30, 30), mono=True)
    draw.text(page, (1150, 175), "开票日期", 24, line)
    draw.text(page, (1270, 171), ymd(facts.invoice_date), 28, PRINTER, mono=True)
    rows = [
        [("机打代码", 160), ("", 500), ("税控码", 160), ("", 660)],
        [("购买方名称", 160), ("", 500), ("纳税人识别号/统一社会信用代码/身份证明号码", 300), ("", 520)],
        [("车辆类型", 160), ("", 300), ("厂牌型号", 160), ("", 500), ("产地", 120), ("", 240)],
        [("合格证号", 160), ("", 500), ("发动机号码", 160), ("", 660)],
        [("车辆识别代号/车架号码", 160), ("", 500), ("进口证明书号", 160), ("", 660)],
        [("价税合计", 160), ("", 820), ("小写", 100), ("", 400)],
        [("销货单位名称", 160), ("", 820), ("电话", 100), ("", 400)],
        [("增值税税率或征收率", 160), ("", 200), ("增值税税额", 160), ("", 320), ("不含税价", 160), ("", 480)],
    ]
    jitter = (rng.randint(-4, 24), rng.randint(-12, 12))
    values = {
        (0, 1): (facts.invoice_code, PRINTER, 26),
        (1, 1): (facts.invoice_buyer_name, PRINTER, 32),
        (1, 3): (facts.person.id_number, PRINTER, 30),
        (2, 1): ("轿车", PRINTER, 28),
        (2, 3): (vehicle.model, PRINTER, 24),
        (2, 5): ("中国", PRINTER, 26),
        (3, 1): (f"W{facts.invoice_number}{vehicle.engine_number[:4]}", PRINTER, 26),
        (3, 3): (vehicle.engine_number, PRINTER, 28),
        (4, 1): (facts.invoice_vin, PRINTER, 32),
        (5, 1): (amount_in_words(vehicle.price), PRINTER, 30),
        (5, 3): (f"¥{money(vehicle.price)}", PRINTER, 32),
        (6, 1): (facts.dealer_name, PRINTER, 26),
        (6, 3): ("0532-88886666", PRINTER, 24),
        (7, 1): ("13%", PRINTER, 26),
        (7, 3): (f"¥{money(tax)}", PRINTER, 26),
        (7, 5): (f"¥{money(vehicle.price - tax)}", PRINTER, 26),
    }
    draw.table(page, (60, 220), rows, 80, line=line, label=line, size=22, values=values, jitter=jitter)
    draw.text(page, (60, 900), "销货单位（章）", 24, line)
    draw.text(page, (900, 900), "开票人", 24, line)
    draw.text(page, (1000, 896), "赵敏", 28, PRINTER)
    draw.seal(page, (440, 890), 110, facts.dealer_name, rng, centre_text="发票专用章", oval=True)
    return page, invoice_fields(facts)


@template("invoice_paper_narrow", DocumentType.VEHICLE_INVOICE, TemplateGroup.HOLDOUT)
def render_paper_narrow(facts: Facts, rng: random.Random) -> tuple[Image.Image, DocumentFields]:
    """Another printer's paper form with narrow label cells: each label broken over two or three
    lines of its cell (购买方 over 名称, or 购货单位 over （人）; 车辆识别代号 over 车架号码), the
    total's label printed downwards one character a line; a laser printer, values a little off."""
    page = draw.paper(INVOICE_SIZE, (248, 250, 248), rng)
    line = (60, 100, 90)
    vehicle = facts.vehicle
    tax = _tax(vehicle.price)
    draw.text(page, (INVOICE_SIZE[0] / 2, 46), "机动车销售统一发票", 52, (60, 100, 90), spacing=10,
              bold=True, anchor="mt")
    draw.text(page, (INVOICE_SIZE[0] / 2, 114), "发 票 联", 28, (60, 100, 90), anchor="mt")
    draw.text(page, (1120, 60), "发票代码", 24, line)
    draw.text(page, (1240, 56), facts.invoice_code, 28, PRINTER, mono=True)
    draw.text(page, (1120, 104), "发票号码", 24, line)
    draw.text(page, (1240, 98), facts.invoice_number, 32, (190, 30, 30), mono=True)
    draw.text(page, (60, 170), "开票日期", 24, line)
    draw.text(page, (180, 166), ymd(facts.invoice_date), 28, PRINTER, mono=True)
    buyer = rng.choice(["购买方名称", "购货单位（人）"])
    rows = [
        [(buyer, 110), ("", 520), ("身份证号码/组织机构代码", 150), ("", 700)],
        [("车辆类型", 110), ("", 520), ("厂牌型号", 150), ("", 700)],
        [("车辆识别代号/车架号码", 110), ("", 520), ("发动机号码", 150), ("", 700)],
        [("价税合计", 40), ("", 590), ("小写", 150), ("", 700)],
        [("销货单位名称", 110), ("", 520), ("纳税人识别号", 150), ("", 700)],
    ]
    values = {
        (0, 1): (facts.invoice_buyer_name, PRINTER, 32),
        (0, 3): (facts.person.id_number, PRINTER, 30),
        (1, 1): ("轿车", PRINTER, 28),
        (1, 3): (vehicle.model, PRINTER, 24),
        (2, 1): (facts.invoice_vin, PRINTER, 32),
        (2, 3): (vehicle.engine_number, PRINTER, 28),
        (3, 1): (amount_in_words(vehicle.price), PRINTER, 28),
        (3, 3): (f"¥{money(vehicle.price)}", PRINTER, 32),
        (4, 1): (facts.dealer_name, PRINTER, 24),
        (4, 3): (f"91{facts.person.region.code}MA{facts.invoice_code[-6:]}", PRINTER, 22),
    }
    jitter = (rng.randint(-4, 12), rng.randint(-6, 6))
    draw.table(page, (60, 220), rows, 130, line=line, label=line, size=24, values=values, jitter=jitter)
    draw.text(page, (60, 900), "销货单位（章）", 24, line)
    draw.text(page, (900, 900), "开票人", 24, line)
    draw.text(page, (1000, 896), "孙丽", 28, PRINTER)
    draw.seal(page, (440, 890), 110, facts.dealer_name, rng, centre_text="发票专用章", oval=True)
    return page, invoice_fields(facts)
