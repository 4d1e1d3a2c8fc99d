"""Chinese identifiers: 身份证号 (GB 11643-1999), 统一社会信用代码 (GB 32100-2015), mobile numbers.

Each ``*_validate`` function returns the normalised value or raises :class:`IdentifierError`,
whose :class:`~shezhi.common.errors.Problem` names the field and the reason in Chinese and
English, so importers, forms and the API report the same words.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Container
from dataclasses import dataclass

from shezhi.common.errors import Problem

#: GB 11643-1999 §7: weight of position i (1-based from the left) is 2^(18-i) mod 11.
_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
#: ISO 7064 MOD 11-2: check character for (weighted sum mod 11).
_ID_CHECK = "10X98765432"
#: First two digits of every province-level division (GB/T 2260), incl. 71 台湾, 81 香港, 82 澳门.
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15",
        "21", "22", "23",
        "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46",
        "50", "51", "52", "53", "54",
        "61", "62", "63", "64", "65",
        "71", "81", "82",
    }
)  # fmt: skip
#: Oldest birth date accepted: no living person was born before it.
EARLIEST_BIRTH = dt.date(1890, 1, 1)

#: GB 32100-2015: the 31 characters of the code (no I, O, Z, S, V) and weights 3^i mod 31.
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_USCC_RE = re.compile(r"^[0-9A-HJ-NP-RTUW-Y]{2}\d{6}[0-9A-HJ-NP-RTUW-Y]{10}$")

#: Mainland mobile numbers (MIIT numbering plan): 11 digits starting 13–19.
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_MOBILE_PREFIX_RE = re.compile(r"^(?:\+86|0086|86)(?=1\d{10}$)")
_SEPARATORS_RE = re.compile(r"[\s\-()（）]")


class IdentifierError(ValueError):
    """An identifier that fails validation; ``problem`` says why in Chinese and English."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


def _fail(code: str, zh: str, en: str, field: str) -> IdentifierError:
    return IdentifierError(Problem(code=code, zh=zh, en=en, field=field))


# ---------------------------------------------------------------------------- 身份证号


def id_check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits of an ID number.

    >>> id_check_digit("11010519491231002")
    'X'
    """
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("need 17 digits")
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def id_from_15(old: str) -> str:
    """Convert a 15-digit ID number (1984–1999 format, born 19xx) to the 18-digit form.

    >>> id_from_15("110105491231002")
    '11010519491231002X'
    """
    if len(old) != 15 or not old.isdigit():
        raise ValueError("need 15 digits")
    first17 = old[:6] + "19" + old[6:]
    return first17 + id_check_digit(first17)


@dataclass(frozen=True)
class IdNumber:
    """A validated 18-character 身份证号 and what it encodes."""

    value: str
    region: str
    birth_date: dt.date
    sex: str  # "M" or "F" (odd or even 17th digit)

    def age_on(self, day: dt.date) -> int:
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


def id_number_parse(
    raw: str,
    *,
    today: dt.date | None = None,
    regions: Container[str] | Callable[[str], bool] | None = None,
    field: str = "id_number",
) -> IdNumber:
    """Validate a 身份证号 (GB 11643-1999) and return its normalised 18-character form.

    Accepts 15-digit numbers (converted), a lower-case ``x`` and surrounding spaces. Checks
    the check character, that the province code exists, that the birth date is a real date
    between 1890 and ``today`` and, only if ``regions`` is given (a set of 6-digit codes or
    a predicate, e.g. from the division tree), the full region code.
    """
    value = _SEPARATORS_RE.sub("", str(raw or "")).upper()
    if not value:
        raise _fail("required", "身份证号不能为空", "ID number is required", field)
    if len(value) == 15:
        if not value.isdigit():
            raise _fail("id_format", "15 位身份证号应全为数字", "a 15-digit ID number has digits only", field)
        value = id_from_15(value)
    if len(value) != 18:
        raise _fail(
            "id_length",
            f"身份证号应为 18 位（当前 {len(value)} 位）",
            f"an ID number has 18 characters (got {len(value)})",
            field,
        )
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise _fail(
            "id_format",
            "身份证号前 17 位应为数字，末位为数字或 X",
            "an ID number is 17 digits and a digit or X",
            field,
        )
    if value[:2] not in PROVINCE_CODES:
        raise _fail(
            "id_region",
            f"身份证号地址码无效（省级代码 {value[:2]} 不存在）",
            f"invalid region code (no province {value[:2]})",
            field,
        )
    if regions is not None:
        known = regions(value[:6]) if callable(regions) else value[:6] in regions
        if not known:
            raise _fail(
                "id_region",
                f"身份证号地址码 {value[:6]} 不在区划库中",
                f"region code {value[:6]} is not in the division tree",
                field,
            )
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise _fail(
            "id_birth_date",
            f"身份证号中的出生日期 {value[6:14]} 不存在",
            f"the birth date {value[6:14]} in the ID number does not exist",
            field,
        ) from None
    today = today or dt.date.today()  # noqa: DTZ011 - a calendar date, the caller may pass one
    if not EARLIEST_BIRTH <= birth <= today:
        raise _fail(
            "id_birth_date",
            f"身份证号中的出生日期 {birth.isoformat()} 不合理",
            f"the birth date {birth.isoformat()} in the ID number is implausible",
            field,
        )
    if id_check_digit(value[:17]) != value[17]:
        raise _fail(
            "id_check_digit",
            "身份证号校验位错误",
            "the ID number's check digit is wrong",
            field,
        )
    return IdNumber(value=value, region=value[:6], birth_date=birth, sex="M" if int(value[16]) % 2 else "F")


def id_number_validate(raw: str, **kwargs: object) -> str:
    """The normalised 18-character ID number, or :class:`IdentifierError`."""
    return id_number_parse(raw, **kwargs).value  # type: ignore[arg-type]


# ---------------------------------------------------------------------- 统一社会信用代码


def uscc_check_char(first17: str) -> str:
    """The GB 32100-2015 check character of the first 17 characters of a credit code."""
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def uscc_validate(raw: str, *, field: str = "uscc") -> str:
    """Validate a 统一社会信用代码 (GB 32100-2015) and return it normalised (upper case)."""
    value = _SEPARATORS_RE.sub("", str(raw or "")).upper()
    if not value:
        raise _fail("required", "统一社会信用代码不能为空", "the credit code is required", field)
    if len(value) != 18:
        raise _fail(
            "uscc_length",
            f"统一社会信用代码应为 18 位（当前 {len(value)} 位）",
            f"a unified social credit code has 18 characters (got {len(value)})",
            field,
        )
    if not _USCC_RE.match(value):
        raise _fail(
            "uscc_format",
            "统一社会信用代码含无效字符（不使用 I、O、Z、S、V，第 3–8 位为行政区划码）",
            "invalid characters (I, O, Z, S, V are not used; positions 3–8 are a region code)",
            field,
        )
    if uscc_check_char(value[:17]) != value[17]:
        raise _fail(
            "uscc_check",
            "统一社会信用代码校验位错误",
            "the credit code's check character is wrong",
            field,
        )
    return value


# ------------------------------------------------------------------------ mobile numbers


def mobile_validate(raw: str, *, field: str = "phone") -> str:
    """Validate a mainland mobile number; returns its 11 digits (``+86``, spaces, dashes dropped)."""
    value = _SEPARATORS_RE.sub("", str(raw or ""))
    if not value:
        raise _fail("required", "手机号码不能为空", "the mobile number is required", field)
    value = _MOBILE_PREFIX_RE.sub("", value)
    if not _MOBILE_RE.match(value):
        raise _fail(
            "mobile_format",
            "手机号码应为 1 开头的 11 位数字",
            "a mobile number has 11 digits and starts with 13–19",
            field,
        )
    return value
