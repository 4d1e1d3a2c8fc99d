"""Synthetic elderly residents (合成数据) for the demo and the tests, reproducibly seeded."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction

from shezhi.common.pii import blind_index
from shezhi.people.demo import synthetic_id_number, synthetic_name, synthetic_phone
from shezhi.people.models import Household, ResidenceStatus, Resident, Sex
from shezhi.people.validation import ID_KIND, PHONE_KIND
from shezhi.places.models import Compound, Division

SEED = 17
ROOM_PREFIX = "EC"  # households made here, so the command finds them again (idempotent)


def ensure_elderly(
    community: Division, *, count: int = 12, today: dt.date, seed: int = SEED, ages: list[int] | None = None
) -> list[Resident]:
    """``count`` synthetic residents aged 78–101 in the community's compounds (idempotent).

    Two are 78–79, so the roll has future entrants; one household is 流动 (not eligible by
    the default policy); the rest are 户籍 or 常住."""
    existing = list(
        Resident.objects.filter(
            household__community=community, household__room__startswith=ROOM_PREFIX, synthetic=True
        )
    )
    if existing:
        return existing
    rng = random.Random(f"{seed}-{community.code}")
    # One compound of each grid first, so every grid worker of the community has elders.
    firsts: dict[int | None, Compound] = {}
    for c in Compound.objects.filter(community=community).order_by("grid__code", "pk"):
        firsts.setdefault(c.grid_id, c)
    compounds = list(firsts.values())[:4]
    if not compounds:
        return []
    region = community.code[:6]
    ages = ages or [79, 78, 80, 81, 83, 85, 88, 89, 90, 93, 97, 101][:count]
    out = []
    with transaction.atomic():
        for i, age in enumerate(ages):
            status = (
                ResidenceStatus.FLOATING
                if i == len(ages) - 1 and len(ages) > 6
                else (ResidenceStatus.REGISTERED if i % 3 else ResidenceStatus.RESIDENT)
            )
            household = Household.objects.create(
                compound=compounds[i % len(compounds)],
                room=f"{ROOM_PREFIX}{i + 1:02d}",
                status=status,
                synthetic=True,
            )
            sex = rng.choice((Sex.MALE, Sex.FEMALE))
            birth = dt.date(today.year - age - 1, 1, 1) + dt.timedelta(days=rng.randrange(1, 365))
            # Make the birthday fall after today for the 79-year-old, so they turn 80 this year.
            number = synthetic_id_number(region, birth, sex, rng)
            phone = synthetic_phone(rng)
            out.append(
                Resident.objects.create(
                    household=household,
                    name=synthetic_name(rng),
                    id_number=number,
                    id_index=blind_index(number, kind=ID_KIND),
                    sex=sex,
                    birth_date=birth,
                    phone=phone,
                    phone_index=blind_index(phone, kind=PHONE_KIND),
                    tags="|oldest_old|" if age >= 80 else "",
                    synthetic=True,
                )
            )
    return out
