"""Demo people read real: names fit their sex and generation; families share a surname."""

from __future__ import annotations

from shezhi.people.demo import GIVEN_NAMES
from shezhi.people.models import Relation, Resident


def test_every_synthetic_name_fits_the_residents_sex_and_generation(db):
    residents = list(Resident.objects.filter(synthetic=True))
    assert len(residents) > 100
    for r in residents:
        era = "old" if r.birth_date.year < 1970 else "mid" if r.birth_date.year < 2000 else "young"
        assert r.name[1:] in GIVEN_NAMES[r.sex][era], (r.name, r.sex, r.birth_date)


def test_couples_are_of_opposite_sex_and_children_carry_the_family_name(db):
    heads = {r.household_id: r for r in Resident.objects.filter(synthetic=True, relation=Relation.HEAD)}
    spouses = Resident.objects.filter(synthetic=True, relation=Relation.SPOUSE)
    assert spouses.exists()
    for spouse in spouses:
        assert spouse.sex != heads[spouse.household_id].sex
    for child in Resident.objects.filter(synthetic=True, relation=Relation.CHILD):
        assert child.name[0] == heads[child.household_id].name[0]
