"""Paper documents: the vehicle sales invoice, the registration certificate, the contract's
signature page, and the selfie taken at signing (a photo with a watermark-camera stamp)."""

from __future__ import annotations

import random

from PIL import Image, ImageDraw, ImageEnhance

from autopass.samples import draw
from autopass.samples.faces import face_crop
from autopass.samples.facts import DocumentFields, Facts, ymd
from autopass.samples.people import amount_in_words

INVOICE_SIZE = (1600, 1000)
A4 = (1240, 1754)
INK = (20, 20, 26)
PRINTER = (30, 30, 60)


def money(amount: float) -> str:
    """Amounts as printed on invoices and contracts: two decimals, no separators."""
    return f"{amount:.2f}"


def render_vehicle_invoice(facts: Facts, rng: random.Random) -> tuple[Image.Image, DocumentFields]:
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
    tax = round(vehicle.price / 1.13 * 0.13, 2)
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
    fields: DocumentFields = {
        "buyer_name": facts.invoice_buyer_name,
        "buyer_id_number": facts.person.id_number,
        "vin": facts.invoice_vin,
        "price_total": facts.vehicle.price,
        "invoice_number": facts.invoice_number,
        "invoice_date": ymd(facts.invoice_date),
    }
    return page, fields


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


_CLAUSES = (
    "第十八条 本合同自借款人签字、贷款人加盖公章或合同专用章之日起生效，至借款人在本合同项下的全部债务清偿完毕之日终止。",
    "第十九条 借款人确认已仔细阅读本合同全部条款，贷款人已就免除或限制其责任的条款作了充分说明，借款人对本合同内容理解一致，无异议。",
    "第二十条 本合同一式三份，借款人、贷款人及经销商各执一份，具有同等法律效力。",
)


def render_loan_contract(facts: Facts, rng: random.Random) -> tuple[Image.Image, DocumentFields]:
    page = draw.paper(A4, (252, 252, 250), rng)
    person = facts.person
    draw.text(
        page, (A4[0] / 2, 110), "个人汽车消费贷款合同", 54, INK, spacing=8, bold=True, anchor="mt"
    )
    draw.text(page, (A4[0] / 2, 190), "（签字页）", 34, INK, anchor="mt")
    draw.text(page, (90, 270), f"合同编号：{facts.contract_number}", 28, INK)
    y = 350
    for clause in _CLAUSES:
        for part in draw.wrap_to_width("　　" + clause, 30, A4[0] - 180):
            draw.text(page, (90, y), part, 30, INK)
            y += 50
        y += 16
    d = ImageDraw.Draw(page)
    y = max(y + 60, 900)
    draw.text(page, (90, y), "借款人（签字）：", 32, INK)
    d.line((350, y + 44, 800, y + 44), fill=INK, width=2)
    if facts.signed:
        signature = draw.handwriting(person.name, 110, rng)
        page.paste(
            signature, (380 + rng.randint(-10, 30), y - 60 + rng.randint(-10, 10)), signature
        )
    rows = [
        ("借款人姓名：", person.name),
        ("身份证号码：", person.id_number),
        (
            "贷款金额：",
            f"人民币（大写）{amount_in_words(facts.loan_amount)}  ¥{money(facts.loan_amount)}",
        ),
        ("贷款期限：", f"{facts.term_months}个月"),
        ("贷款人（盖章）：", facts.lender),
        (
            "签署日期：",
            f"{facts.submitted_at:%Y}年{facts.submitted_at.month}月{facts.submitted_at.day}日",
        ),
    ]
    seal_y = 0
    for caption, shown in rows:
        y += 90
        x = draw.text(page, (90, y), caption, 32, INK)
        draw.text(page, (x + 6, y), shown, 32, INK, mono=caption == "身份证号码：")
        seal_y = y + 16 if caption.startswith("贷款人") else seal_y
    draw.seal(
        page,
        (1040, seal_y),
        115,
        facts.lender.removesuffix("分行")[:14],
        rng,
        centre_text="合同专用章",
    )
    draw.text(page, (A4[0] / 2, A4[1] - 80), "第 12 页 共 12 页", 24, (90, 90, 90), anchor="mt")
    fields: DocumentFields = {
        "borrower_name": person.name,
        "id_number": person.id_number,
        "loan_amount": facts.loan_amount,
        "signature_present": facts.signed,
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
