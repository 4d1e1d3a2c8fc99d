"""GB 11643-1999 ID numbers, GB 32100-2015 credit codes and mobile numbers, on published examples."""

import datetime as dt

import pytest

from shezhi.common.identifiers import (
    IdentifierError,
    id_check_digit,
    id_from_15,
    id_number_parse,
    id_number_validate,
    mobile_validate,
    uscc_check_char,
    uscc_validate,
)

TODAY = dt.date(2026, 12, 1)


def test_the_check_digit_of_the_standards_examples():
    # GB 11643-1999 annex: 11010519491231002X and 440524188001010014.
    assert id_check_digit("11010519491231002") == "X"
    assert id_check_digit("44052418800101001") == "4"


def test_it_accepts_and_decodes_a_valid_number():
    parsed = id_number_parse("11010519491231002X", today=TODAY)
    assert parsed.value == "11010519491231002X"
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.sex == "F"  # 17th digit 2 is even
    assert parsed.region == "110105"
    assert parsed.age_on(TODAY) == 76
    first17 = "51010819900101001"  # 17th digit 1 is odd
    assert id_number_parse(first17 + id_check_digit(first17), today=TODAY).sex == "M"


def test_it_normalises_lower_case_x_and_spaces():
    assert id_number_validate(" 110105 1949 1231 002x ", today=TODAY) == "11010519491231002X"


def test_it_converts_15_digit_numbers():
    assert id_from_15("110105491231002") == "11010519491231002X"
    assert id_number_validate("110105491231002", today=TODAY) == "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "required"),
        ("1101051949123100", "id_length"),
        ("11010519491231002A", "id_format"),
        ("110105194912310021", "id_check_digit"),
        ("99010519491231002X", "id_region"),
        ("510104199002300011", "id_birth_date"),  # 30 February
        ("510104203001010011", "id_birth_date"),  # in the future
        ("510104185001010011", "id_birth_date"),  # too old to be alive
        ("11010a491231002", "id_format"),
    ],
)
def test_it_rejects_bad_numbers_with_a_reason(raw, code):
    with pytest.raises(IdentifierError) as info:
        id_number_parse(raw, today=TODAY)
    assert info.value.problem.code == code
    assert info.value.problem.field == "id_number"
    assert info.value.problem.zh
    assert info.value.problem.en


def test_region_is_checked_against_a_tree_only_when_given():
    first17 = "51010819900101001"
    number = first17 + id_check_digit(first17)
    assert id_number_validate(number, today=TODAY, regions={"510108"}) == number
    assert id_number_validate(number, today=TODAY, regions=lambda code: code.startswith("5101")) == number
    with pytest.raises(IdentifierError) as info:
        id_number_parse(number, today=TODAY, regions={"510104"})
    assert info.value.problem.code == "id_region"


@pytest.mark.parametrize(
    "code",
    [
        "914403001922038216",  # 华为技术有限公司
        "9144030071526726XG",  # 深圳市腾讯计算机系统有限公司
        "91350100M000100Y43",  # GB 32100-2015 example
        "91110000600037341L",
    ],
)
def test_published_credit_codes_are_valid(code):
    assert uscc_check_char(code[:17]) == code[17]
    assert uscc_validate(code.lower()) == code


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("91440300192203821", "uscc_length"),
        ("914403001922038217", "uscc_check"),
        ("91440300192203821I", "uscc_format"),  # I is never used
        ("9144030O1922038216", "uscc_format"),  # letters not allowed in the region code
        ("", "required"),
    ],
)
def test_bad_credit_codes_are_rejected(raw, code):
    with pytest.raises(IdentifierError) as info:
        uscc_validate(raw)
    assert info.value.problem.code == code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("008619912345678", "19912345678"),
        ("86 166 0000 1111", "16600001111"),
    ],
)
def test_mobile_numbers_are_normalised(raw, expected):
    assert mobile_validate(raw) == expected


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "138123456789", "028-85551234", "abc"])
def test_bad_mobile_numbers_are_rejected(raw):
    with pytest.raises(IdentifierError) as info:
        mobile_validate(raw)
    assert info.value.problem.code == "mobile_format"
