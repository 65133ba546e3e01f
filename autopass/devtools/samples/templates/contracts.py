"""The loan contract's signature page, as different lenders print it.

They differ as real ones do: the heading, the borrower's label (借款人姓名, 借款人（甲方）, 客户姓名,
姓名, 乙方（借款人）...), values right of their labels or under them, lines or a table, one or two
columns of signatures, the lender's name and seal beside the borrower's box. An unsigned page is
not always blank: a fingerprint pressed without a signature, or a pen mark somewhere else.
"""

from __future__ import annotations

import random

from PIL import Image, ImageDraw

from autopass.documents import DocumentType
from autopass.devtools.samples import draw
from autopass.devtools.samples.facts import DocumentFields, Facts
from autopass.devtools.samples.people import amount_in_words
from autopass.devtools.samples.templates.base import TemplateGroup, template

A4 = (1240, 1754)
INK = (20, 20, 26)
PEN = (25, 45, 150)
Box = tuple[int, int, int, int]
"""left, top, right, bottom in pixels of the page."""

_CLAUSES = (
    "第十八条 本合同自借款人签字、贷款人加盖公章或合同专用章之日起生效，至借款人在本合同项下的全部债务清偿完毕之日终止。",
    "第十九条 借款人确认已仔细阅读本合同全部条款，贷款人已就免除或限制其责任的条款作了充分说明，借款人对本合同内容理解一致，无异议。",
    "第二十条 本合同一式三份，借款人、贷款人及经销商各执一份，具有同等法律效力。",
)
_SHORT_CLAUSES = (
    "本页为签署页，无正文。双方确认已阅读并理解本合同全部条款。",
    "借款人应按期足额归还借款本息，逾期的，贷款人有权按合同约定计收罚息。",
)


def money(amount: float) -> str:
    """Amounts as printed on contracts: two decimals, no separators."""
    return f"{amount:.2f}"


def contract_fields(facts: Facts) -> DocumentFields:
    return {
        "borrower_name": facts.person.name,
        "id_number": facts.person.id_number,
        "loan_amount": facts.loan_amount,
        "signature_present": facts.signed,
    }


def _signed_on(facts: Facts) -> str:
    at = facts.submitted_at
    return f"{at:%Y}年{at.month}月{at.day}日"


def _clauses(page: Image.Image, y: int, clauses: tuple[str, ...], size: int = 30) -> int:
    for clause in clauses:
        for part in draw.wrap_to_width("　　" + clause, size, A4[0] - 180):
            draw.text(page, (90, y), part, size, INK)
            y += round(size * 5 / 3)
        y += 16
    return y


def _lender_seal(page: Image.Image, facts: Facts, centre: tuple[int, int], rng: random.Random) -> None:
    draw.seal(page, centre, 115, facts.lender.removesuffix("分行")[:14], rng, centre_text="合同专用章")


def fingerprint(page: Image.Image, centre: tuple[int, int], rng: random.Random) -> None:
    """A thumb pressed in red ink pad (印泥): ridges as broken concentric ovals."""
    size = 120
    layer = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    ink = (200, 30, 40, 190)
    for k in range(3, 26, 2):
        rx, ry = k * 1.6, k * 2.1
        start = rng.uniform(0, 60)
        d.arc((60 - rx, 60 - ry, 60 + rx, 60 + ry), start, start + rng.uniform(250, 330), fill=ink, width=2)
    layer = layer.rotate(rng.uniform(-30, 30), resample=Image.BICUBIC)
    page.paste(layer, (centre[0] - size // 2, centre[1] - size // 2), layer)


def stray_mark(page: Image.Image, area: Box, rng: random.Random) -> None:
    """A pen mark that is no signature, away from the box: a tick, an underline, a scribble."""
    d = ImageDraw.Draw(page)
    left, top, right, bottom = area
    x, y = rng.randint(left, max(left, right - 160)), rng.randint(top, max(top, bottom - 60))
    colour = PEN if rng.random() < 0.7 else INK
    kind = rng.randrange(3)
    if kind == 0:
        d.line([(x, y + 20), (x + 14, y + 40), (x + 50, y)], fill=colour, width=4, joint="curve")
    elif kind == 1:
        d.line([(x, y + 40), (x + 150, y + 36 + rng.randint(-4, 4))], fill=colour, width=3)
    else:
        points = [(x + i * 12, y + 20 + rng.randint(-18, 18)) for i in range(10)]
        d.line(points, fill=colour, width=3, joint="curve")


def sign(page: Image.Image, facts: Facts, box: Box, rng: random.Random, stray_area: Box,
         *, thumb: bool = False) -> None:
    """The borrower's hand in ``box``: a signature (and, where the lender asks for a thumbprint,
    often one beside it) when signed; when not, the box blank, or with a fingerprint alone, or a
    pen mark elsewhere on the page."""
    left, top, right, bottom = box
    if facts.signed:
        signature = draw.handwriting(facts.person.name, min(110, bottom - top), rng)
        x = min(left + 24 + rng.randint(-10, 30), max(left, right - signature.width))
        y = top + rng.randint(-10, 10)
        page.paste(signature, (x, max(0, y)), signature)
        # Its own random source: a page signed as before draws the same pixels as before.
        pressed = random.Random(f"fingerprint:{facts.contract_number}")
        if thumb and pressed.random() < 0.7:
            fingerprint(page, (min(right - 50, x + signature.width + 40), (top + bottom) // 2), pressed)
        return
    if facts.unsigned_marks == "fingerprint":
        fingerprint(page, (left + (right - left) // 2, (top + bottom) // 2), rng)
    elif facts.unsigned_marks == "stray_mark":
        stray_mark(page, stray_area, rng)


def _page(rng: random.Random) -> Image.Image:
    return draw.paper(A4, (252, 252, 250), rng)


def _footer(page: Image.Image) -> None:
    draw.text(page, (A4[0] / 2, A4[1] - 80), "第 12 页 共 12 页", 24, (90, 90, 90), anchor="mt")


# --- tuning ---------------------------------------------------------------------------------------
@template("contract_bank_lines", DocumentType.LOAN_CONTRACT, TemplateGroup.TUNING)
def render_bank_lines(facts: Facts, rng: random.Random) -> tuple[Image.Image, DocumentFields]:
    """A bank's page: clauses, the signature line, then label：value lines and the lender's seal."""
    page = _page(rng)
    person = facts.person
    draw.text(page, (A4[0] / 2, 110), "个人汽车消费贷款合同", 54, INK, spacing=8, bold=True, anchor="mt")
    draw.text(page, (A4[0] / 2, 190), "（签字页）", 34, INK, anchor="mt")
    draw.text(page, (90, 270), f"合同编号：{facts.contract_number}", 28, INK)
    y = _clauses(page, 350, _CLAUSES)
    y = max(y + 60, 900)
    end = draw.text(page, (90, y), "借款人（签字）：", 32, INK)
    ImageDraw.Draw(page).line((end + 4, y + 44, 800, y + 44), fill=INK, width=2)
    sign(page, facts, (int(end) + 10, y - 60, 800, y + 50), rng, (90, 350, 1100, 800))
    rows = [
        ("借款人姓名：", person.name),
        ("身份证号码：", person.id_number),
        ("贷款金额：", f"人民币（大写）{amount_in_words(facts.loan_amount)}  ¥{money(facts.loan_amount)}"),
        ("贷款期限：", f"{facts.term_months}个月"),
        ("贷款人（盖章）：", facts.lender),
        ("签署日期：", _signed_on(facts)),
    ]
    seal_y = 0
    for caption, shown in rows:
        y += 90
        x = draw.text(page, (90, y), caption, 32, INK)
        draw.text(page, (x + 6, y), shown, 32, INK, mono=caption == "身份证号码：")
        seal_y = y + 16 if caption.startswith("贷款人") else seal_y
    _lender_seal(page, facts, (1040, seal_y), rng)
    _footer(page)
    return page, contract_fields(facts)


@template("contract_finance_table", DocumentType.LOAN_CONTRACT, TemplateGroup.TUNING)
def render_finance_table(facts: Facts, rng: random.Random) -> tuple[Image.Image, DocumentFields]:
    """A finance company's page: a ruled table of the parties (借款人（甲方） beside its value),
    then two signature columns, the borrower's left and the lender's right under its seal."""
    page = _page(rng)
    person = facts.person
    draw.text(page, (A4[0] / 2, 100), "汽车金融借款合同", 56, INK, spacing=6, bold=True, anchor="mt")
    draw.text(page, (A4[0] / 2, 180), "签 署 页", 32, INK, anchor="mt")
    draw.text(page, (780, 240), f"合同编号：{facts.contract_number}", 26, INK)
    line = (60, 60, 70)
    rows = [
        [("借款人（甲方）", 230), ("", 310), ("证件号码", 170), ("", 350)],
        [("借款金额", 230), ("", 830)],
        [("借款期限", 230), ("", 310), ("还款方式", 170), ("", 350)],
        [("贷款人（乙方）", 230), ("", 830)],
    ]
    values = {
        (0, 1): (person.name, INK, 32),
        (0, 3): (person.id_number, INK, 28),
        (1, 1): (f"人民币{amount_in_words(facts.loan_amount)}（¥{money(facts.loan_amount)}）", INK, 28),
        (2, 1): (f"{facts.term_months}个月", INK, 28),
        (2, 3): ("等额本息", INK, 28),
        (3, 1): (facts.lender, INK, 28),
    }
    draw.table(page, (80, 300), rows, 84, line=line, label=line, size=28, values=values)
    y = _clauses(page, 690, _SHORT_CLAUSES, 28)
    y = max(y + 80, 1050)
    end = draw.text(page, (90, y), "借款人（签字）：", 30, INK)
    ImageDraw.Draw(page).line((end, y + 42, 600, y + 42), fill=INK, width=2)
    draw.text(page, (660, y), "贷款人（盖章）：", 30, INK)
    draw.text(page, (90, y + 120), f"日期：{_signed_on(facts)}", 28, INK)
    draw.text(page, (660, y + 120), f"日期：{_signed_on(facts)}", 28, INK)
    sign(page, facts, (int(end) + 6, y - 55, 600, y + 48), rng, (90, 690, 1100, y - 90), thumb=True)
    _lender_seal(page, facts, (940 + rng.randint(-30, 30), y + 30 + rng.randint(-20, 20)), rng)
    _footer(page)
    return page, contract_fields(facts)


@template("contract_header_grid", DocumentType.LOAN_CONTRACT, TemplateGroup.TUNING)
def render_header_grid(facts: Facts, rng: random.Random) -> tuple[Image.Image, DocumentFields]:
    """A dealer-bank form: headings in one row (客户姓名 | 证件号码 | 借款金额), values under them,
    the amount in capitals on a line below; the lender's name and seal right under the borrower's
    signature line."""
    page = _page(rng)
    person = facts.person
    draw.text(page, (A4[0] / 2, 110), "个人购车借款合同", 52, INK, spacing=8, bold=True, anchor="mt")
    draw.text(page, (A4[0] / 2, 185), "（签署页）", 32, INK, anchor="mt")
    draw.text(page, (90, 250), f"合同编号：{facts.contract_number}", 26, INK)
    y = _clauses(page, 310, _CLAUSES[:2], 28)
    line = (60, 60, 70)
    top = y + 20
    rows = [
        [("客户姓名", 220), ("证件号码", 400), ("借款金额", 230), ("借款期限", 210)],
        [("", 220), ("", 400), ("", 230), ("", 210)],
    ]
    values = {
        (1, 0): (person.name, INK, 32),
        (1, 1): (person.id_number, INK, 27),
        (1, 2): (f"¥{money(facts.loan_amount)}", INK, 27),
        (1, 3): (f"{facts.term_months}个月", INK, 28),
    }
    draw.table(page, (90, top), rows, 80, line=line, label=line, size=28, values=values)
    y = top + 200
    draw.text(page, (90, y), f"借款金额（大写）：人民币{amount_in_words(facts.loan_amount)}", 28, INK)
    y += 140
    end = draw.text(page, (90, y), "借款人签字：", 32, INK)
    ImageDraw.Draw(page).line((end, y + 44, 760, y + 44), fill=INK, width=2)
    sign(page, facts, (int(end) + 10, y - 60, 760, y + 50), rng, (90, 310, 1100, top - 20))
    y += 110
    x = draw.text(page, (90, y), "贷款人（盖章）：", 32, INK)
    draw.text(page, (x + 6, y), facts.lender, 30, INK)
    _lender_seal(page, facts, (820 + rng.randint(-40, 40), y - 10 + rng.randint(-15, 15)), rng)
    draw.text(page, (90, y + 100), f"签署日期：{_signed_on(facts)}", 30, INK)
    _footer(page)
    return page, contract_fields(facts)


# --- holdout --------------------------------------------------------------------------------------
@template("contract_parties_lines", DocumentType.LOAN_CONTRACT, TemplateGroup.HOLDOUT)
def render_parties_lines(facts: Facts, rng: random.Random) -> tuple[Image.Image, DocumentFields]:
    """甲方 (the lender) first and 乙方 (the borrower) second, in lines; the two sign side by side,
    the lender left under its seal, the borrower right."""
    page = _page(rng)
    person = facts.person
    draw.text(page, (A4[0] / 2, 100), "机动车消费贷款合同", 52, INK, spacing=6, bold=True, anchor="mt")
    draw.text(page, (A4[0] / 2, 175), "（本页为签署页）", 30, INK, anchor="mt")
    y = 260
    lines = [
        f"甲方（贷款人）：{facts.lender}",
        f"乙方（借款人）：{person.name}",
        f"身份证号码：{person.id_number}",
        f"借款金额：人民币{amount_in_words(facts.loan_amount)}（小写：¥{money(facts.loan_amount)}）",
        f"借款期限：{facts.term_months}个月",
    ]
    for shown in lines:
        draw.text(page, (90, y), shown, 30, INK)
        y += 70
    y = _clauses(page, y + 40, _CLAUSES[1:], 28)
    y = max(y + 100, 1150)
    draw.text(page, (90, y), "甲方（盖章）：", 30, INK)
    _lender_seal(page, facts, (330 + rng.randint(-30, 30), y + 20 + rng.randint(-20, 20)), rng)
    end = draw.text(page, (640, y), "乙方（签字）：", 30, INK)
    sign(page, facts, (int(end) + 6, y - 55, 1150, y + 48), rng, (90, 260, 1100, y - 120), thumb=True)
    draw.text(page, (90, y + 130), f"日期：{_signed_on(facts)}", 28, INK)
    draw.text(page, (640, y + 130), f"日期：{_signed_on(facts)}", 28, INK)
    _footer(page)
    return page, contract_fields(facts)


@template("contract_two_column_block", DocumentType.LOAN_CONTRACT, TemplateGroup.HOLDOUT)
def render_two_column_block(facts: Facts, rng: random.Random) -> tuple[Image.Image, DocumentFields]:
    """Two columns of party details, each under its heading (借款人 | 贷款人): 姓名 or 名称, the ID
    number, and the signing line (签字（按手印） | 盖章) with the lender's seal over its column."""
    page = _page(rng)
    person = facts.person
    draw.text(page, (A4[0] / 2, 110), "个人汽车贷款借款合同", 52, INK, spacing=6, bold=True, anchor="mt")
    draw.text(page, (90, 200), f"合同编号：{facts.contract_number}", 26, INK)
    y = _clauses(page, 260, (
        f"借款金额：人民币{amount_in_words(facts.loan_amount)}（¥{money(facts.loan_amount)}），"
        f"借款期限{facts.term_months}个月，用途为购买车辆。",
        *_CLAUSES[:2],
    ), 28)
    y = max(y + 80, 950)
    right = 660
    draw.text(page, (90, y), "借款人：", 32, INK, bold=True)
    draw.text(page, (right, y), "贷款人：", 32, INK, bold=True)
    y += 80
    draw.text(page, (90, y), f"姓名：{person.name}", 30, INK)
    draw.text(page, (right, y), f"名称：{facts.lender[:16]}", 26, INK)
    y += 70
    draw.text(page, (90, y), f"证件号码：{person.id_number}", 26, INK)
    draw.text(page, (right, y), "负责人：", 26, INK)
    y += 100
    end = draw.text(page, (90, y), "签字（按手印）：", 30, INK)
    draw.text(page, (right, y), "盖章：", 30, INK)
    sign(page, facts, (int(end) + 4, y - 55, right - 20, y + 48), rng, (90, 260, 1100, 900), thumb=True)
    _lender_seal(page, facts, (right + 200 + rng.randint(-30, 30), y + 10 + rng.randint(-15, 15)), rng)
    draw.text(page, (90, y + 120), f"日期：{_signed_on(facts)}", 28, INK)
    _footer(page)
    return page, contract_fields(facts)


@template("contract_signature_grid", DocumentType.LOAN_CONTRACT, TemplateGroup.HOLDOUT)
def render_signature_grid(facts: Facts, rng: random.Random) -> tuple[Image.Image, DocumentFields]:
    """A grid: 借款人名称 and the details in label cells; at the bottom two tall cells under their
    headings (借款人签名 | 贷款人盖章), the signature and the seal inside them."""
    page = _page(rng)
    person = facts.person
    draw.text(page, (A4[0] / 2, 110), "汽车消费借款合同", 54, INK, spacing=8, bold=True, anchor="mt")
    draw.text(page, (A4[0] / 2, 190), "签字盖章页", 32, INK, anchor="mt")
    line = (50, 50, 60)
    rows = [
        [("借款人名称", 240), ("", 300), ("身份证号码", 200), ("", 340)],
        [("借款金额", 240), ("", 840)],
        [("借款期限", 240), ("", 300), ("贷款人", 200), ("", 340)],
    ]
    values = {
        (0, 1): (person.name, INK, 32),
        (0, 3): (person.id_number, INK, 26),
        (1, 1): (f"¥{money(facts.loan_amount)}（人民币{amount_in_words(facts.loan_amount)}）", INK, 28),
        (2, 1): (f"{facts.term_months}个月", INK, 28),
        (2, 3): (facts.lender[:12], INK, 22),
    }
    draw.table(page, (80, 280), rows, 84, line=line, label=line, size=28, values=values)
    y = _clauses(page, 580, _CLAUSES, 28)
    top = max(y + 40, 1080)
    grid = [[("借款人签名", 540), ("贷款人盖章", 540)], [("", 540), ("", 540)]]
    d = ImageDraw.Draw(page)
    draw.table(page, (80, top), grid[:1], 70, line=line, label=line, size=30)
    d.rectangle((80, top + 70, 620, top + 300), outline=line, width=2)
    d.rectangle((620, top + 70, 1160, top + 300), outline=line, width=2)
    sign(page, facts, (110, top + 100, 590, top + 270), rng, (90, 580, 1100, top - 40))
    _lender_seal(page, facts, (890 + rng.randint(-40, 40), top + 185 + rng.randint(-20, 20)), rng)
    draw.text(page, (90, top + 330), f"签署日期：{_signed_on(facts)}", 28, INK)
    _footer(page)
    return page, contract_fields(facts)


@template("contract_principal_table", DocumentType.LOAN_CONTRACT, TemplateGroup.HOLDOUT)
def render_principal_table(facts: Facts, rng: random.Random) -> tuple[Image.Image, DocumentFields]:
    """A lender whose labels carry more words than the usual ones: headings over values (借款人名称
    | 证件号码 | 贷款本金（元）), then 借款本金金额 in a line with the amount in capitals and figures;
    the borrower signs under the lender's name and seal."""
    page = _page(rng)
    person = facts.person
    draw.text(page, (A4[0] / 2, 100), "个人汽车抵押借款合同", 52, INK, spacing=6, bold=True, anchor="mt")
    draw.text(page, (A4[0] / 2, 175), "（签署页）", 30, INK, anchor="mt")
    draw.text(page, (90, 240), f"合同编号：{facts.contract_number}", 26, INK)
    line = (60, 60, 70)
    rows = [
        [("借款人名称", 260), ("证件号码", 420), ("贷款本金（元）", 220), ("借款期限（月）", 160)],
        [("", 260), ("", 420), ("", 220), ("", 160)],
    ]
    values = {
        (1, 0): (person.name, INK, 32),
        (1, 1): (person.id_number, INK, 27),
        (1, 2): (money(facts.loan_amount), INK, 27),
        (1, 3): (str(facts.term_months), INK, 28),
    }
    draw.table(page, (80, 300), rows, 80, line=line, label=line, size=26, values=values)
    draw.text(page, (90, 500), f"借款本金金额：人民币{amount_in_words(facts.loan_amount)}（¥{money(facts.loan_amount)}）",
              28, INK)
    y = _clauses(page, 580, _CLAUSES[:2], 28)
    y = max(y + 60, 1000)
    x = draw.text(page, (90, y), "贷款人（盖章）：", 30, INK)
    draw.text(page, (x + 6, y), facts.lender, 28, INK)
    _lender_seal(page, facts, (860 + rng.randint(-40, 40), y + 10 + rng.randint(-15, 15)), rng)
    y += 140
    end = draw.text(page, (90, y), "借款人（签字）：", 32, INK)
    ImageDraw.Draw(page).line((end, y + 44, 760, y + 44), fill=INK, width=2)
    sign(page, facts, (int(end) + 10, y - 60, 760, y + 50), rng, (90, 580, 1100, y - 200))
    draw.text(page, (90, y + 110), f"签署日期：{_signed_on(facts)}", 28, INK)
    _footer(page)
    return page, contract_fields(facts)


_LINE_SIGNATURE_LABELS = ("借款人（签字/手印）：", "客户签名：", "借款人签名捺印：")


@template("contract_instalment_agreement", DocumentType.LOAN_CONTRACT, TemplateGroup.HOLDOUT)
def render_instalment_agreement(facts: Facts, rng: random.Random) -> tuple[Image.Image, DocumentFields]:
    """A finance company's 协议 (no 合同 in its heading): the parties as 客户 lines, then the
    borrower's signing line under a label of its own words (借款人（签字/手印）, 客户签名,
    借款人签名捺印), the company's name and seal on the row below."""
    page = _page(rng)
    person = facts.person
    draw.text(page, (A4[0] / 2, 110), "个人购车分期付款服务协议", 50, INK, spacing=4, bold=True, anchor="mt")
    draw.text(page, (A4[0] / 2, 185), "签章页", 32, INK, anchor="mt")
    draw.text(page, (90, 250), f"协议编号：{facts.contract_number}", 26, INK)
    y = 320
    for shown in (f"客户姓名：{person.name}", f"证件号码：{person.id_number}",
                  f"借款金额：¥{money(facts.loan_amount)}（人民币{amount_in_words(facts.loan_amount)}）",
                  f"分期期数：{facts.term_months}期"):
        draw.text(page, (90, y), shown, 30, INK)
        y += 68
    y = _clauses(page, y + 30, _SHORT_CLAUSES, 28)
    y = max(y + 110, 1080)
    end = draw.text(page, (90, y), rng.choice(_LINE_SIGNATURE_LABELS), 32, INK)
    ImageDraw.Draw(page).line((end + 4, y + 44, 820, y + 44), fill=INK, width=2)
    sign(page, facts, (int(end) + 10, y - 60, 820, y + 50), rng, (90, 320, 1100, y - 140), thumb=True)
    y += 120
    x = draw.text(page, (90, y), "出借人（盖章）：", 30, INK)
    draw.text(page, (x + 6, y), facts.lender[:16], 28, INK)
    _lender_seal(page, facts, (860 + rng.randint(-40, 40), y - 30 + rng.randint(-15, 15)), rng)
    draw.text(page, (90, y + 100), f"签订日期：{_signed_on(facts)}", 28, INK)
    _footer(page)
    return page, contract_fields(facts)


_BOX_SIGNATURE_LABELS = ("甲方签章", "签名（盖章）", "客户签名")


@template("contract_party_boxes", DocumentType.LOAN_CONTRACT, TemplateGroup.HOLDOUT)
def render_party_boxes(facts: Facts, rng: random.Random) -> tuple[Image.Image, DocumentFields]:
    """甲方 the borrower and 乙方 the lender, each in a ruled box: a heading cell (甲方签章,
    签名（盖章）, 客户签名 | 乙方盖章) over the tall cell where it signs or seals."""
    page = _page(rng)
    person = facts.person
    draw.text(page, (A4[0] / 2, 100), "汽车融资服务协议书", 52, INK, spacing=6, bold=True, anchor="mt")
    draw.text(page, (A4[0] / 2, 175), "（以下无正文，为签署页）", 28, INK, anchor="mt")
    y = 250
    for shown in (f"甲方（借款人）：{person.name}", f"身份证号：{person.id_number}",
                  f"乙方：{facts.lender[:18]}",
                  f"融资金额：人民币{amount_in_words(facts.loan_amount)}（¥{money(facts.loan_amount)}）",
                  f"融资期限：{facts.term_months}个月"):
        draw.text(page, (90, y), shown, 30, INK)
        y += 68
    y = _clauses(page, y + 30, _CLAUSES[1:], 28)
    top = max(y + 50, 1060)
    line = (50, 50, 60)
    heading = rng.choice(_BOX_SIGNATURE_LABELS)
    draw.table(page, (80, top), [[(heading, 540), ("乙方盖章", 540)]], 70, line=line, label=line, size=30)
    d = ImageDraw.Draw(page)
    d.rectangle((80, top + 70, 620, top + 300), outline=line, width=2)
    d.rectangle((620, top + 70, 1160, top + 300), outline=line, width=2)
    sign(page, facts, (110, top + 100, 590, top + 270), rng, (90, 250, 1100, top - 40), thumb=True)
    _lender_seal(page, facts, (890 + rng.randint(-40, 40), top + 185 + rng.randint(-20, 20)), rng)
    draw.text(page, (90, top + 330), f"日期：{_signed_on(facts)}", 28, INK)
    _footer(page)
    return page, contract_fields(facts)
