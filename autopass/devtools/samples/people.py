"""Fake applicants, vehicles and cards whose numbers carry valid check digits.

Everything is drawn from a ``random.Random`` the caller seeds, so one seed gives one dossier.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from autopass.banks import BANKS_BY_BIN
from autopass.validators import id_check_digit, luhn_check_digit, vin_check_digit

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_GIVEN_MALE = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林阳博文志成建国东海峰晨"
_GIVEN_FEMALE = "芳娜敏静丽艳娟霞燕玲婷颖雪慧琳倩洁莉萍红梅兰琴云丹璐瑶佳怡欣悦晶蕾"
_ETHNICITIES = ("汉",) * 40 + ("回", "满", "壮", "蒙古", "朝鲜", "维吾尔", "土家", "苗")


@dataclass(frozen=True)
class Region:
    """A county-level division: the first six ID digits and the names printed with them."""

    code: str
    province: str
    city: str
    district: str
    plate: str  # licence plate prefix

    @property
    def police(self) -> str:
        """The 签发机关 printed on the back of ID cards issued here."""
        city = self.city or self.province
        suffix = self.district.removesuffix("区")
        return f"{city}公安局{suffix}分局" if self.district.endswith("区") else f"{suffix}公安局"


REGIONS: tuple[Region, ...] = (
    Region("370202", "山东省", "青岛市", "市南区", "鲁B"),
    Region("370102", "山东省", "济南市", "历下区", "鲁A"),
    Region("110105", "北京市", "", "朝阳区", "京N"),
    Region("310115", "上海市", "", "浦东新区", "沪C"),
    Region("440106", "广东省", "广州市", "天河区", "粤A"),
    Region("440305", "广东省", "深圳市", "南山区", "粤B"),
    Region("320106", "江苏省", "南京市", "鼓楼区", "苏A"),
    Region("330106", "浙江省", "杭州市", "西湖区", "浙A"),
    Region("510107", "四川省", "成都市", "武侯区", "川A"),
    Region("420106", "湖北省", "武汉市", "武昌区", "鄂A"),
    Region("610113", "陕西省", "西安市", "雁塔区", "陕A"),
    Region("350203", "福建省", "厦门市", "思明区", "闽D"),
    Region("650102", "新疆维吾尔自治区", "乌鲁木齐市", "天山区", "新A"),
    Region("210202", "辽宁省", "大连市", "中山区", "辽B"),
    Region("430104", "湖南省", "长沙市", "岳麓区", "湘A"),
    Region("130681", "河北省", "保定市", "涿州市", "冀F"),
)
_STREETS = [
    "香港中路",
    "解放路",
    "人民路",
    "中山路",
    "建设大街",
    "和平路",
    "长江路",
    "黄河路",
    "文化路",
    "新华街",
    "胜利路",
    "青年路",
    "府前街",
    "东风路",
    "学府路",
    "滨江大道",
]
_CAR_MODELS = (
    ("大众", "朗逸 2026款", "LSV"),
    ("丰田", "卡罗拉 2026款", "LFM"),
    ("本田", "雅阁 2026款", "LHG"),
    ("比亚迪", "秦PLUS DM-i", "LGX"),
    ("吉利", "星瑞 2026款", "L6T"),
    ("长安", "CS75 PLUS", "LS5"),
    ("别克", "英朗 2026款", "LSG"),
    ("日产", "轩逸 2026款", "LGB"),
)
_VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_LICENCE_CLASSES = ("C1",) * 8 + ("C2", "B2", "A1", "A2")


@dataclass(frozen=True)
class Person:
    name: str
    sex: str
    ethnicity: str
    birth_date: date
    region: Region
    address: str
    id_number: str
    phone: str
    id_valid_from: date
    id_valid_to: date | None  # None: 长期
    licence_class: str
    licence_first_issued: date
    licence_valid_from: date
    licence_valid_to: date


@dataclass(frozen=True)
class Vehicle:
    brand: str
    model: str
    vin: str
    price: float
    engine_number: str
    plate: str
    colour: str


def make_id_number(rng: random.Random, region: Region, birth: date, sex: str) -> str:
    """A GB 11643 number: region, birth date, a sequence whose last digit is odd for men."""
    sequence = rng.randrange(0, 100) * 10 + rng.choice(
        (1, 3, 5, 7, 9) if sex == "男" else (0, 2, 4, 6, 8)
    )
    first17 = f"{region.code}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_check_digit(first17)


def make_other_id_number(rng: random.Random, person: Person) -> str:
    """A different valid ID number that still looks like this person's (same region and birth)."""
    while True:
        other = make_id_number(rng, person.region, person.birth_date, person.sex)
        if other != person.id_number:
            return other


def with_bad_check_digit(id_number: str) -> str:
    """The same number with a wrong 18th character (what a keying slip gives)."""
    right = id_number[17]
    return id_number[:17] + ("0" if right != "0" else "1")


def make_name(rng: random.Random, sex: str) -> str:
    given = _GIVEN_MALE if sex == "男" else _GIVEN_FEMALE
    return rng.choice(_SURNAMES) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2, 2))))


def _id_validity(
    rng: random.Random, birth: date, submitted: date, expired: bool
) -> tuple[date, date | None]:
    """Issue date and expiry by the law's age bands (10 y to 25, 20 y to 45, then 长期)."""
    for _ in range(200):
        if expired:
            valid_to = submitted - timedelta(days=rng.randint(5, 400))
            years = 20 if (valid_to.year - birth.year) > 36 else 10
            valid_from = valid_to.replace(year=valid_to.year - years)
            return valid_from, valid_to
        valid_from = submitted - timedelta(days=rng.randint(60, 365 * 15))
        age_at_issue = (valid_from - birth).days // 365
        if age_at_issue < 16:
            continue
        if age_at_issue >= 46:
            return valid_from, None
        years = 10 if age_at_issue < 26 else 20
        try:
            valid_to = valid_from.replace(year=valid_from.year + years)
        except ValueError:  # 29 February
            valid_to = valid_from.replace(year=valid_from.year + years, day=28)
        if (valid_to - submitted).days >= 120:
            return valid_from, valid_to
    raise RuntimeError("no ID validity period found")  # unreachable with the ranges above


def make_person(
    rng: random.Random, submitted: date, *, id_expired: bool = False, sex: str | None = None
) -> Person:
    """An applicant aged 23-54 whose ID number agrees with the printed birth date and sex."""
    sex = sex or rng.choice(("男", "女"))
    region = rng.choice(REGIONS)
    birth = submitted - timedelta(days=rng.randint(23 * 365 + 10, 54 * 365))
    building = f"{rng.randint(1, 30)}号" + (
        f"{rng.randint(1, 6)}单元{rng.randint(1, 25)}0{rng.randint(1, 4)}户"
        if rng.random() < 0.7
        else ""
    )
    address = f"{region.province}{region.city}{region.district}{rng.choice(_STREETS)}{building}"
    valid_from, valid_to = _id_validity(rng, birth, submitted, id_expired)
    first_licence = birth + timedelta(days=rng.randint(19 * 365, (submitted - birth).days - 400))
    licence_from = first_licence
    while _add_years(licence_from, 6) < submitted + timedelta(days=30):
        licence_from = _add_years(licence_from, 6)
    return Person(
        name=make_name(rng, sex),
        sex=sex,
        ethnicity=rng.choice(_ETHNICITIES),
        birth_date=birth,
        region=region,
        address=address,
        id_number=make_id_number(rng, region, birth, sex),
        phone="1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9)),
        id_valid_from=valid_from,
        id_valid_to=valid_to,
        licence_class=rng.choice(_LICENCE_CLASSES),
        licence_first_issued=first_licence,
        licence_valid_from=licence_from,
        licence_valid_to=_add_years(licence_from, 6),
    )


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def make_vin(rng: random.Random, wmi: str, year_code: str = "T") -> str:
    """A VIN with the manufacturer prefix ``wmi`` and a correct ISO 3779 check character."""
    body = [*wmi] + [rng.choice(_VIN_CHARS) for _ in range(5)] + ["0", year_code]
    body += [rng.choice(_VIN_CHARS)] + [rng.choice("0123456789") for _ in range(6)]
    draft = "".join(body)
    return draft[:8] + vin_check_digit(draft) + draft[9:]


def make_other_vin(rng: random.Random, vin: str) -> str:
    """A different valid VIN of the same make: only the serial part changes."""
    while True:
        other = make_vin(rng, vin[:3], vin[9])
        if other != vin:
            return other


def make_vehicle(rng: random.Random, region: Region, *, used: bool) -> Vehicle:
    brand, model, wmi = rng.choice(_CAR_MODELS)
    price = float(rng.randrange(80, 320) * 1000 + rng.choice((0, 0, 500, 800)))
    if used:
        price = round(price * rng.uniform(0.45, 0.75), -2)
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    plate = f"{region.plate}·{rng.choice(letters)}{rng.randint(10000, 99999)}"
    return Vehicle(
        brand=brand,
        model=f"{brand} {model}",
        vin=make_vin(rng, wmi, rng.choice("LMNPRST") if used else "T"),
        price=price,
        engine_number="".join(rng.choice("0123456789ABCDEFGH") for _ in range(9)),
        plate=plate,
        colour=rng.choice(("白", "黑", "银", "灰", "蓝", "红")),
    )


def make_card_number(rng: random.Random) -> str:
    """A Luhn-valid debit card number with a real BIN; 19 digits mostly, sometimes 16."""
    bin_ = rng.choice(sorted(BANKS_BY_BIN))
    length = rng.choice((19, 19, 19, 16))
    partial = bin_ + "".join(rng.choice("0123456789") for _ in range(length - 7))
    return partial + luhn_check_digit(partial)


def make_other_card_number(rng: random.Random, card: str) -> str:
    """Another valid card of the same bank (a keying of the wrong card)."""
    while True:
        partial = card[:6] + "".join(rng.choice("0123456789") for _ in range(len(card) - 7))
        other = partial + luhn_check_digit(partial)
        if other != card:
            return other


def with_bad_luhn(card: str) -> str:
    """The same card number with its last digit wrong."""
    return card[:-1] + str((int(card[-1]) + 1) % 10)


_DIGITS_UPPER = "零壹贰叁肆伍陆柒捌玖"


def amount_in_words(amount: float) -> str:
    """Chinese financial capitals for a whole yuan amount: 158000 -> 壹拾伍万捌仟元整."""
    yuan = round(amount)
    if yuan == 0:
        return "零元整"
    units = ("", "拾", "佰", "仟")

    def four(n: int) -> str:
        out, zero = "", False
        for pos in range(3, -1, -1):
            digit = n // 10**pos % 10
            if digit:
                if zero and out:
                    out += "零"
                out += _DIGITS_UPPER[digit] + units[pos]
                zero = False
            else:
                zero = True
        return out

    high, low = divmod(yuan, 10000)
    text = (four(high) + "万") if high else ""
    if low:
        if high and low < 1000:
            text += "零"
        text += four(low)
    return text + "元整"
