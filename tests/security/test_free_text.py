"""Phone and ID numbers typed into free text are masked for every reader but the desk."""

import pytest

from shezhi.common.pii import redact_free_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("请联系138 1234 5678谢谢", "请联系138****5678谢谢"),
        ("电话+86 13812345678", "电话138****5678"),
        ("身份证510104199001011234，", "身份证5101************34，"),
        ("ID 11010519491231002x end", "ID 1101************2X end"),
        ("座机028-85551234", "座机028-********"),
    ],
)
def test_it_masks_numbers_in_free_text(text, expected):
    assert redact_free_text(text) == expected


@pytest.mark.parametrize(
    "text", ["门牌号123号", "2026年12月7日 金额20261207元", "订单123456789012345678901", ""]
)
def test_it_leaves_other_numbers_alone(text):
    assert redact_free_text(text) == text
