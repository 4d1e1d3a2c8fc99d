"""The registry of social enterprises: a credit code with a wrong check character is refused."""

import pytest
from django.test import Client

from shezhi.common.errors import AppError
from shezhi.common.identifiers import uscc_check_char
from shezhi.participation import registry as reg
from shezhi.participation.models import EnterpriseProfile

FIRST17 = "52510104MJ0123456"
GOOD = FIRST17 + uscc_check_char(FIRST17)
BAD = FIRST17 + ("0" if GOOD[-1] != "0" else "1")


def test_a_wrong_check_character_is_refused_and_nothing_is_stored(world):
    with pytest.raises(AppError) as refused:
        reg.registry_register(
            actor=world.carol, name="合成社企", kind="social_enterprise", uscc=BAD,
            community_code=world.grid_a.community.code, field="space",
        )  # fmt: skip
    assert "校验位" in refused.value.message_zh
    assert not EnterpriseProfile.objects.exists()
    profile = reg.registry_register(
        actor=world.carol, name="合成社企", kind="social_enterprise", uscc=GOOD.lower(),
        community_code=world.grid_a.community.code, field="space", certified_year=2025, mentor="合成导师",
    )  # fmt: skip
    assert profile.organisation.uscc == GOOD
    assert profile.certified


def test_the_registry_page_refuses_next_to_the_field(world):
    client = Client()
    client.force_login(world.carol)
    form = {"name": "合成社企二", "kind": "social_enterprise", "uscc": BAD, "field": "commerce"}
    response = client.post("/participation/registry/", form)
    assert response.status_code == 422
    assert "校验位" in response.content.decode()
    assert client.post("/participation/registry/", {**form, "uscc": GOOD}).status_code == 302
    assert "合成社企二" in client.get("/participation/registry/").content.decode()
    resident = Client()
    resident.force_login(world.rita)
    assert resident.get("/participation/registry/").status_code == 403
