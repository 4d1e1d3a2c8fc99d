"""Field encryption, key rotation, blind indexes and masking."""

import pytest

from shezhi.common import pii


@pytest.fixture
def keys(settings):
    old, new = pii.generate_key(), pii.generate_key()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    settings.BLIND_INDEX_KEY = "test-blind-index-key"
    return settings, old, new


def test_it_round_trips_and_never_stores_plain_text(keys):
    token = pii.encrypt("510104199001011234")
    assert "510104199001011234" not in token
    assert "1234" not in token
    assert pii.decrypt(token) == "510104199001011234"
    assert pii.encrypt("510104199001011234") != token  # randomised


def test_tampering_is_detected(keys):
    token = pii.encrypt("13812345678")
    forged = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    with pytest.raises(pii.DecryptionError):
        pii.decrypt(forged)


def test_rotation_moves_values_to_the_new_key(keys):
    settings, old, new = keys
    token = pii.encrypt("13812345678")
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert not pii.is_current(token)
    rotated = pii.rotate(token)
    assert pii.is_current(rotated)
    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert pii.decrypt(rotated) == "13812345678"
    with pytest.raises(pii.DecryptionError):
        pii.decrypt(token)


def test_blind_index_is_keyed_and_separated_by_kind(keys):
    settings, _, _ = keys
    a = pii.blind_index("13812345678", kind="phone")
    assert a == pii.blind_index("13812345678", kind="phone")
    assert a != pii.blind_index("13812345678", kind="id")
    settings.BLIND_INDEX_KEY = "another-key"
    assert a != pii.blind_index("13812345678", kind="phone")
    assert len(a) == 64


def test_masks():
    assert pii.mask_id_number("510104199001011234") == "5101************34"
    assert pii.mask_phone("13812345678") == "138****5678"
    assert pii.mask_name("张小三") == "张*三"
    assert pii.mask_name("张三") == "张*"
    assert pii.mask_name("欧阳娜娜") == "欧**娜"
    assert pii.mask_name("") == ""
    assert pii.mask_id_number("") == ""
