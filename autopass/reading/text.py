"""Normalising what OCR read, and repairing it only where a checksum or a format proves the repair.

Every function here is pure: text in, normalised value (and how sure we may be) out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import combinations, product
from typing import NamedTuple

from opencc import OpenCC

from autopass.engines.base import Alternatives
from autopass.validators import VIN_PATTERN, is_bank_card_number, is_valid_id_number, is_valid_vin

_TO_SIMPLIFIED = OpenCC("t2s")

REPAIRED_PENALTY = 0.85
"""A value that needed a repair is less sure than one read right, even when a checksum agrees."""
UNPROVEN_PENALTY = 0.9
"""A value with no checksum or format to prove it keeps only part of the OCR confidence."""
INVALID_CONFIDENCE = 0.3
"""A value that fails its checksum even after every proven repair: shown to a human."""

# Letters OCR confuses with digits, by the digit they stand for.
_LOOKS_LIKE_DIGIT = {
    "O": "0", "o": "0", "D": "0", "Q": "0", "U": "0",
    "I": "1", "l": "1", "|": "1", "i": "1", "L": "1", "!": "1",
    "Z": "2", "z": "2",
    "S": "5", "s": "5",
    "G": "6", "b": "6",
    "T": "7",
    "B": "8",
    "g": "9", "q": "9",
}


@dataclass(frozen=True)
class Reading:
    """A normalised value with the factor its OCR confidence is multiplied by."""

    value: str | None
    trust: float


def clean(text: str) -> str:
    """Full-width -> half-width, traditional -> simplified, no spaces."""
    half = []
    for ch in text:
        code = ord(ch)
        if code == 0x3000:
            continue
        if 0xFF01 <= code <= 0xFF5E:
            ch = chr(code - 0xFEE0)
        half.append(ch)
    joined = "".join(half)
    joined = re.sub(r"\s+", "", joined)
    return _TO_SIMPLIFIED.convert(joined)


def strip_punctuation(text: str) -> str:
    """Drop the colons and separators that sit between a label and its value."""
    return text.strip(":：;；,，.。、 _-—|")


# --- identity numbers -------------------------------------------------------------------------
_ID_CANDIDATE = re.compile(r"[0-9A-Za-z|!×]{18,}")


def read_id_number(text: str) -> Reading:
    """The 18-character ID number in ``text``; letters mapped to digits only if GB 11643 agrees."""
    compact = clean(text)
    candidates = [w for run in _ID_CANDIDATE.findall(compact) for w in _windows(run, 18)]
    fallback: str | None = None
    for raw in candidates:
        as_read = raw[:17] + raw[17].upper()
        if is_valid_id_number(as_read):
            return Reading(as_read, 1.0)
        repaired = "".join(_LOOKS_LIKE_DIGIT.get(ch, ch) for ch in raw[:17]) + _id_last(raw[17])
        if is_valid_id_number(repaired):
            return Reading(repaired, REPAIRED_PENALTY)
        fallback = fallback or as_read.upper()
    digits = re.sub(r"[^0-9Xx]", "", compact).upper()
    if fallback is None and digits:
        fallback = digits
    return Reading(fallback, INVALID_CONFIDENCE) if fallback else Reading(None, 0.0)


RUNNER_UP_MIN = 0.05
"""A runner-up character the recogniser gave at least this probability may stand in for the one
read, where a check digit proves the exchange."""
MAX_EXCHANGES = 2


def proven_by_runners_up(
    value: str, alternatives: Sequence[Sequence[tuple[str, float]]], is_valid: Callable[[str], bool]
) -> str | None:
    """The one valid value (``is_valid``: a check digit) that exchanging at most two characters
    of ``value`` for the recogniser's runners-up gives, or None when none or several do
    (a 0 read as 8 twice on a contract photographed small)."""
    if len(alternatives) != len(value):
        return None
    options = [(i, c) for i, choices in enumerate(alternatives) for c, p in choices[1:]
               if p >= RUNNER_UP_MIN and c != value[i]]
    found = set()
    for count in range(1, MAX_EXCHANGES + 1):
        for exchange in combinations(options, count):
            if len({i for i, _ in exchange}) < count:
                continue
            candidate = list(value)
            for i, c in exchange:
                candidate[i] = c
            if is_valid("".join(candidate)):
                found.add("".join(candidate))
        if found:
            break
    return found.pop() if len(found) == 1 else None


def _id_last(ch: str) -> str:
    """The check character: X (often read as x or as a cross-like letter) or a digit."""
    if ch in "xX×Ⅹ":
        return "X"
    return _LOOKS_LIKE_DIGIT.get(ch, ch)


def _windows(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(max(0, len(text) - size) + 1)]


# --- bank card numbers --------------------------------------------------------------------------
def read_card_number(text: str) -> Reading:
    """Digits only; letter confusions repaired only when the Luhn digit then agrees. A number no
    card can carry (its first digits lost) is read, not trusted."""
    compact = clean(text)
    groups = re.findall(r"[0-9A-Za-z|!]{4,}", compact)
    raw = "".join(groups) if groups else compact
    digits = re.sub(r"\D", "", raw)
    if is_bank_card_number(digits) and len(digits) == len(raw):
        return Reading(digits, 1.0)
    repaired = "".join(_LOOKS_LIKE_DIGIT.get(ch, ch) for ch in raw)
    if is_bank_card_number(repaired):
        return Reading(repaired, REPAIRED_PENALTY if repaired != raw else 1.0)
    if is_bank_card_number(digits):
        return Reading(digits, REPAIRED_PENALTY)
    return Reading(digits or None, INVALID_CONFIDENCE if digits else 0.0)


# --- VIN -----------------------------------------------------------------------------------------
_VIN_NEVER = {"I": "1", "O": "0", "Q": "0"}  # ISO 3779 forbids these letters: the repair is proven
_VIN_AMBIGUOUS = {"S": "5", "5": "S", "B": "8", "8": "B", "Z": "2", "2": "Z", "G": "6", "6": "G"}


def read_vin(text: str) -> Reading:
    """17 upper-case characters; I/O/Q -> 1/0/0 always (format), other swaps only if the check
    digit proves exactly one of them."""
    compact = clean(text).upper()
    for raw in _windows(compact, 17) if len(compact) >= 17 else []:
        if is_valid_vin(raw):
            return Reading(raw, 1.0)
    for raw in _windows(compact, 17) if len(compact) >= 17 else []:
        fixed = "".join(_VIN_NEVER.get(ch, ch) for ch in raw)
        # ISO 3779: the last four characters of a large manufacturer's VIN are digits.
        fixed = fixed[:13] + "".join(_LOOKS_LIKE_DIGIT.get(ch, ch) for ch in fixed[13:])
        if not VIN_PATTERN.fullmatch(fixed):
            continue
        if is_valid_vin(fixed):
            return Reading(fixed, REPAIRED_PENALTY if fixed != raw else 1.0)
        proven = _single_vin_swaps(fixed)
        if len(proven) == 1:
            return Reading(proven[0], REPAIRED_PENALTY * REPAIRED_PENALTY)
    best = compact[:17] if len(compact) >= 17 else compact
    return Reading(best or None, INVALID_CONFIDENCE if best else 0.0)


def _single_vin_swaps(vin: str) -> list[str]:
    """Every VIN one ambiguous swap away from ``vin`` whose check digit agrees."""
    found = []
    for i, ch in enumerate(vin):
        swap = _VIN_AMBIGUOUS.get(ch)
        if swap is None or (i >= 13 and not swap.isdigit()):
            continue
        candidate = vin[:i] + swap + vin[i + 1 :]
        if is_valid_vin(candidate):
            found.append(candidate)
    return found


# --- dates ---------------------------------------------------------------------------------------
_DATE = re.compile(r"(\d{4})[\s.]*[年.\-/][\s.]*(\d{1,2})[\s.]*[月.\-/][\s.]*(\d{1,2})\s*日?")
"""Stray dots around a date's marks are specks the recogniser read (1973.年6月 29)."""
_DATE_WITHOUT_YEAR_MARK = re.compile(r"(?<!\d)(\d{4})(\d{1,2})月(\d{1,2})日?")
"""1987年2月26日 with its 年 lost (19872月26日): the year is four digits, so the rest is the month."""
LONG_TERM = "长期"
PLAUSIBLE_YEARS = range(1900, 2100)
"""Years a date on these documents can carry: 2826-05-11 is 2026 with its 0 read as 8."""


def find_dates(text: str, *, bare: bool = True) -> list[tuple[str, int, int]]:
    """Every date in ``text`` as (YYYY-MM-DD, start, end); letters that look like digits fixed.
    ``bare``: eight digits without marks count too (20260713; an invoice number may parse so)."""
    compact = "".join(_LOOKS_LIKE_DIGIT.get(ch, ch) if ch.isascii() else ch for ch in clean(text))
    found = []
    for pattern in (_DATE, _DATE_WITHOUT_YEAR_MARK):
        for match in pattern.finditer(compact):
            iso = _iso(match.group(1), match.group(2), match.group(3))
            if iso and not any(s <= match.start() < e for _, s, e in found):
                found.append((iso, match.start(), match.end()))
    runs = re.finditer(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)", compact) if bare else ()
    for match in runs:
        iso = _iso(match.group(1), match.group(2), match.group(3))
        if iso and not any(s <= match.start() < e for _, s, e in found):
            found.append((iso, match.start(), match.end()))
    return sorted(found, key=lambda item: item[1])


def _iso(year: str, month: str, day: str) -> str | None:
    if int(year) not in PLAUSIBLE_YEARS:
        return None
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


_PERIOD_SEPARATOR = "(?:至|[-—~])"
_DATE_PRINTED = r"\d{4}[.\-年]\d{1,2}[.\-月]\d{1,2}"
_PERIOD = re.compile(rf"{_DATE_PRINTED}日?{_PERIOD_SEPARATOR}(?:\d{{4}}|长期)|至\s*{_DATE_PRINTED}")
_PERIOD_SEPARATOR_BEFORE = re.compile(rf"{_PERIOD_SEPARATOR}$")


def holds_validity_period(text: str) -> bool:
    """Two dates or a date and 长期 with 至 or a dash between, or the end of a period after 至 (its
    label and start under a finger): a validity row, whatever its label."""
    return bool(_PERIOD.search(text))


def read_validity(text: str) -> tuple[Reading, Reading]:
    """(valid_from, valid_to) of a validity period such as 2020.01.15-长期 or 2016-01-01至2026-01-01.
    One date after 至 or a dash is the end of a period whose start is hidden (a finger over it)."""
    compact = clean(text)
    dates = find_dates(compact)
    if len(dates) == 1 and _PERIOD_SEPARATOR_BEFORE.search(compact[: dates[0][1]]):
        return Reading(None, 0.0), Reading(dates[0][0], UNPROVEN_PENALTY)
    start = Reading(dates[0][0], UNPROVEN_PENALTY) if dates else Reading(None, 0.0)
    if "长期" in compact or "长" in compact[-3:]:
        return start, Reading(LONG_TERM, UNPROVEN_PENALTY)
    end = Reading(dates[1][0], UNPROVEN_PENALTY) if len(dates) > 1 else Reading(None, 0.0)
    return start, end


_TERM_YEARS = re.compile(r"(?<![\d.\-/])(\d{1,2})\s*年(?![\d月])")


def read_term_years(text: str) -> int | None:
    """A validity term printed in years (6年, 十年 is not read): its number, or None. A year of a
    date (2019年) is no term."""
    match = _TERM_YEARS.search(clean(text))
    return int(match.group(1)) if match else None


def read_date(text: str, alternatives: Alternatives = ()) -> Reading:
    """The first date in ``text``; with none there, the one date that exchanging characters for
    the recogniser's runners-up proves (2026-89-14: no month 89, but 8 had 0 as runner-up), else
    for their look-alikes (``DIGIT_LOOKALIKES``: 2026-02-88 is 2026-02-08), less sure still."""
    dates = find_dates(text)
    if dates:
        return Reading(dates[0][0], UNPROVEN_PENALTY)
    trust = UNPROVEN_PENALTY * REPAIRED_PENALTY
    proven = proven_by_runners_up(text, alternatives, _is_date)
    if proven is None:
        proven = proven_by_runners_up(text, _lookalikes(text), _is_date)
        trust *= REPAIRED_PENALTY
    if proven is None:
        return Reading(None, 0.0)
    return Reading(find_dates(proven, bare=False)[0][0], trust)


def _is_date(text: str) -> bool:
    return bool(find_dates(text, bare=False))


DIGIT_LOOKALIKES = {"8": "0", "0": "8"}
"""Digits this recogniser takes for each other in small print, even where it gives no runner-up
(measured on n7: every misread invoice number, most misread contract ID numbers: 0 read as 8)."""


def _lookalikes(text: str) -> Alternatives:
    """Alternatives as if the recogniser had offered each digit's look-alike as its runner-up."""
    return tuple(((ch, 1.0), (DIGIT_LOOKALIKES[ch], RUNNER_UP_MIN)) if ch in DIGIT_LOOKALIKES
                 else ((ch, 1.0),) for ch in text)


# --- amounts -------------------------------------------------------------------------------------
_AMOUNT = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?")
_SPECK_IN_FIGURE = re.compile(r"\.(?=\d{3})")
"""A dot before three digits is a speck, not the decimal point (fen have two): ¥1.14000.00."""
_CN_DIGITS = {"零": 0, "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6, "柒": 7, "捌": 8, "玖": 9,
              "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_SMALL_UNITS = {"拾": 10, "十": 10, "佰": 100, "百": 100, "仟": 1000, "千": 1000}
_CN_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
_CN_FRACTION = {"角": 0.1, "分": 0.01}


def find_amount(text: str) -> float | None:
    """The figure in ``text`` (¥158,000.00, 158000.00元) as float yuan."""
    compact = clean(text).replace("¥", " ").replace("￥", " ")
    compact = "".join(_LOOKS_LIKE_DIGIT.get(ch, ch) if ch in "OoIlSB" else ch for ch in compact)
    compact = _SPECK_IN_FIGURE.sub("", compact)
    best = None
    for match in _AMOUNT.finditer(compact):
        value = float(match.group(1).replace(",", "") + "." + (match.group(2) or "0"))
        if best is None or value > best:
            best = value
    return best


def chinese_amount(text: str) -> float | None:
    """The value of an amount written in Chinese capitals (壹拾伍万捌仟圆整), or None. A digit
    last, with no 圆 after it, is what is left of a row cut short (叁 of 叁万叁仟元整 under glare):
    its unit is unknown."""
    body = clean(text)
    body = "".join(ch for ch in body if ch in _CN_DIGITS or ch in _CN_SMALL_UNITS
                   or ch in _CN_BIG_UNITS or ch in _CN_FRACTION or ch in "圆元")
    if not body:
        return None
    integer_part, yuan, fraction_part = body.replace("元", "圆").partition("圆")
    if not yuan and body[-1] in _CN_DIGITS:
        return None
    total, section, digit = 0, 0, 0
    for ch in integer_part:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_SMALL_UNITS:
            section += (digit or 1) * _CN_SMALL_UNITS[ch]
            digit = 0
        elif ch in _CN_BIG_UNITS:
            total = (total + section + digit) * _CN_BIG_UNITS[ch]
            section, digit = 0, 0
    total += section + digit
    cents, digit = 0.0, 0
    for ch in fraction_part:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_FRACTION:
            cents += digit * _CN_FRACTION[ch]
            digit = 0
    return round(total + cents, 2) if (total or cents) else None


# --- small fields --------------------------------------------------------------------------------
def read_sex(text: str) -> Reading:
    compact = clean(text)
    for sex in ("男", "女"):
        if sex in compact:
            return Reading(sex, 1.0)
    return Reading(None, 0.0)


ETHNIC_GROUPS = (
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 "
    "东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 "
    "俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split()
"""The 56 ethnic groups an ID card can state (GB 3304), without 族."""


def read_ethnicity(text: str) -> Reading:
    """One of the 56 groups; a group found inside noise (·汉) is kept with doubt."""
    value = strip_punctuation(clean(text)).removesuffix("族")
    if value in ETHNIC_GROUPS:
        return Reading(value, UNPROVEN_PENALTY)
    inside = [group for group in ETHNIC_GROUPS if group in value]
    if inside:
        return Reading(max(inside, key=len), REPAIRED_PENALTY * UNPROVEN_PENALTY)
    return Reading(value or None, INVALID_CONFIDENCE if value else 0.0)


def read_licence_class(text: str) -> Reading:
    compact = clean(text).upper().replace("O", "0").replace("I", "1")
    match = re.search(r"[ABCDEFMNP][1-3]?(?:[ABCDEFMNP][1-3]?)*", compact)
    return Reading(match.group(0), UNPROVEN_PENALTY) if match else Reading(None, 0.0)


def read_plain(text: str) -> Reading:
    """A name, address or authority: cleaned, nothing to prove it."""
    value = strip_punctuation(clean(text))
    return Reading(value or None, UNPROVEN_PENALTY if value else 0.0)


def letter_combinations(text: str, alphabet: dict[str, str]) -> list[str]:
    """Every spelling of ``text`` with some of its confusable characters swapped (small inputs)."""
    options = [(ch, alphabet[ch]) if ch in alphabet else (ch,) for ch in text]
    return ["".join(choice) for choice in product(*options)]


# --- names ---------------------------------------------------------------------------------------
_NAME_RUN = re.compile(r"[\u4e00-\u9fff·]+")
LONGEST_NAME = 4
SHORTEST_NAME = 2
"""Han names have 2-4 characters; longer ones carry a middle dot (阿卜杜拉·买买提) or a label."""
MERGED_NAME_PENALTY = 0.7
"""A name cut off a misread label that OCR glued to it: probably right, not proven."""


COMMON_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严"
    "覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒"
    "阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古"
    "吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇"
    "桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉"
    "伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿"
    "薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元"
    "束檀衣信展阴昝智幸奉植衡富尧闭由"
)
"""Surnames that cover almost every Han Chinese person (the few hundred most frequent)."""
NAME_CHARACTERS = frozenset(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红娥玲芬燕彩春菊凤洁梅琳素云莲真环雪荣爱"
    "妹香月莺媛瑞凡佳嘉琼勤珍贞莉娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓仪荷丹蓉眉君"
    "琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊"
    "亚宜可姬舒影荔枝思阳妮宝贝初程梵恒鸿桦骅剑娇纪宽灵媚琪晴容睿烁唯威韦雯苇萱彦宇雨忠宗曼紫逸贤蝶"
    "菡翠小轩俊浩博志鹏宏辉健斌峰鑫帅飞亮成建国文德海林东兵新旭波坤龙凯松杨彬晨辰泽子梓涵昊一诺依若"
    "雅婧琛瑜璇蕾岩毅诚峻晖哲翔钧振立永福生祥安康泰乐家光耀升达功武伦江河川山石金银铭锐锋钢松柏森桐"
    "楠柳芝茂蔚苗昌盛隆兴旺发珠璋佩伶俐仁义礼智信良善孝谦诗书画律声歌颂赞吟喜笑颜淑惠慧捷巧想念忆"
    "星日光曦天坤宙世中夏冬年时景实远程腾鸣凤麟虎豹彪雄猛坚豪岸多富贵禄寿吉如意顺利通清澈净正守"
)
"""Characters common in given names: what a name most likely holds when the recogniser hesitates."""
NAME_ALTERNATIVE_MIN = 0.1
"""A runner-up character needs at least this probability to replace an implausible one."""


def likelier_name(name: str, alternatives: Sequence[Sequence[tuple[str, float]]]) -> str:
    """``name`` with each character that names rarely hold (晶 misread as 品) replaced by the
    recogniser's runner-up, when that one is common in names and the recogniser gave it weight.
    The caller treats a changed name as repaired: it is never trusted on its own."""
    if len(alternatives) != len(name) or "·" in name:
        return name
    chosen = []
    for position, (character, options) in enumerate(zip(name, alternatives, strict=True)):
        plausible = COMMON_SURNAMES if position == 0 else NAME_CHARACTERS
        if character not in plausible:
            better = [c for c, p in options if c in plausible and p >= NAME_ALTERNATIVE_MIN]
            character = better[0] if better else character
        chosen.append(character)
    return "".join(chosen)


def read_name(text: str, fragments: Sequence[LabelPiece] = ()) -> Reading:
    """A person's name: the first run of Han characters (numbers glued to it are dropped); a run
    too long for a name is cut where a misread label begins and runs to its end (林梅梅绿询证号码
    -> 林梅梅). A label word inside a longer run is no such end: the run is a sentence
    (对本合同条款无异议 is not 对本 and 合同…), not a name.

    ``fragments``: pieces of the labels printed around the name, see ``label_fragments``.
    """
    runs = _NAME_RUN.findall(strip_punctuation(clean(text)))
    if not runs:
        return Reading(None, 0.0)
    name = runs[0].strip("·")
    if len(name) < SHORTEST_NAME:  # one character: a piece of a wrapped label (码), not a name
        return Reading(name or None, INVALID_CONFIDENCE if name else 0.0)
    if len(name) <= LONGEST_NAME or "·" in name:
        return Reading(name or None, UNPROVEN_PENALTY if name else 0.0)
    # The earliest recognised piece tells where the label starts (later ones drift, since OCR
    # may also have dropped or merged characters of the label in between).
    places = sorted((name.find(piece, 2), offset, length) for piece, offset, length in fragments
                    if name.find(piece, 2) >= 2)
    cuts = [place - offset for place, offset, length in places
            if place == places[0][0] and 2 <= place - offset <= LONGEST_NAME
            and len(name) - (place - offset) <= length + 1]
    if cuts:
        return Reading(name[: min(cuts)], UNPROVEN_PENALTY * MERGED_NAME_PENALTY)
    return Reading(name, INVALID_CONFIDENCE)


_NAME_SHAPE = re.compile(r"[\u4e00-\u9fff]{2,4}|[\u4e00-\u9fff]+(?:·[\u4e00-\u9fff]+)+")
"""A person's name as printed: 2-4 Han characters, or Han parts joined by a middle dot."""
_ORGANISATION = re.compile(r"银行|分行|支行|公司|集团|有限|信用社|合作社")
"""Words of an institution's name (the lender beside the borrower): never in a person's."""
ARTICLE_NUMBER = re.compile(r"第[一二三四五六七八九十百零〇两\d]+[条章款节项页]")
"""A clause's or page's number (第三条, 第2页): it heads running text, and is no name."""


def is_name(value: object, label_words: Sequence[str] = ()) -> bool:
    """Whether ``value`` can be a person's name (every field of kind ``name``, every document):
    shaped like one, no institution's, and no label printed on the document (``label_words``:
    贷款人, 签字 read where the value was expected), nor a piece of one, nor one glued to it."""
    if not isinstance(value, str) or not _NAME_SHAPE.fullmatch(value) or _ORGANISATION.search(value) \
            or ARTICLE_NUMBER.fullmatch(value):
        return False
    words = {clean(word) for word in label_words}
    return not any(len(word) >= SHORTEST_NAME and (word in value or value in word) for word in words)


class LabelPiece(NamedTuple):
    """Two characters of a label, where they stand in it, and the label's length."""

    piece: str
    offset: int
    label_length: int


def label_fragments(labels: Sequence[str]) -> list[LabelPiece]:
    """Two-character pieces of labels with their offset: what survives of a misread label."""
    pieces = {LabelPiece(label[i : i + 2], i, len(label)) for label in labels
              for i in range(len(label) - 1)
              if all("\u4e00" <= ch <= "\u9fff" for ch in label[i : i + 2])}
    return sorted(pieces)
