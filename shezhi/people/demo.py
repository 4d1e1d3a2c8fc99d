"""Synthetic residents (合成数据) for the bundled demo area, generated reproducibly.

Every person here is invented: names drawn from common surnames and given-name characters,
身份证号 with valid GB 11643 check digits, phones of valid form. Records carry
``synthetic=True`` and every page and export marks them 合成数据.

Ages follow the shares of 成都市第七次全国人口普查公报 (2021): 0–14 岁 13.28 %,
15–59 岁 68.74 %, 60 岁及以上 17.98 % (65 岁及以上 13.62 %); the split inside each band,
the 80+ share and household sizes (mean ≈ 2.5) are our assumptions.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from shezhi.common.identifiers import id_check_digit
from shezhi.common.pii import blind_index
from shezhi.people.models import (
    Facility,
    FacilityCategory,
    FacilityLevel,
    Household,
    Organisation,
    OrganisationKind,
    Relation,
    ResidenceStatus,
    Resident,
    ResidentTag,
    TagSet,
)
from shezhi.people.validation import ID_KIND, PHONE_KIND
from shezhi.places.models import Compound, Grid, GridKind

SEED = 20261201
#: Ages are computed against this day so that the same seed gives the same people.
REFERENCE_DAY = dt.date(2026, 1, 1)
#: (lowest age, highest age, share): 七普 shares, our split inside the bands.
AGE_BANDS = [
    (0, 6, 0.0640),
    (7, 14, 0.0688),
    (15, 17, 0.0250),
    (18, 39, 0.3700),
    (40, 59, 0.2924),
    (60, 64, 0.0436),
    (65, 79, 0.1112),
    (80, 100, 0.0250),
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢"
)
#: Given names by sex and by the decade people were named in (a 1950s 建国 is not a 2010s 梓轩).
GIVEN_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "M": {
        "old": (
            "建国",
            "国强",
            "志明",
            "德华",
            "建华",
            "国华",
            "永福",
            "文斌",
            "春生",
            "福林",
            "长友",
            "建军",
            "卫东",
            "振华",
            "国庆",
            "家明",
            "树林",
            "明",
            "强",
            "军",
            "刚",
            "平",
            "华",
            "林",
            "忠",
        ),
        "mid": (
            "伟",
            "磊",
            "涛",
            "勇",
            "杰",
            "鹏",
            "超",
            "浩",
            "亮",
            "俊",
            "斌",
            "波",
            "海",
            "鑫",
            "志强",
            "建伟",
            "文杰",
            "海涛",
            "晓东",
            "俊杰",
            "家豪",
            "小龙",
            "剑",
            "峰",
            "宏伟",
            "明辉",
            "永强",
        ),
        "young": (
            "子轩",
            "梓轩",
            "浩然",
            "宇轩",
            "俊熙",
            "皓轩",
            "子墨",
            "沐阳",
            "宇航",
            "博文",
            "睿",
            "辰",
            "浩宇",
            "思远",
            "嘉懿",
            "铭泽",
            "奕辰",
            "天佑",
            "一鸣",
            "锦程",
            "昊天",
            "泽宇",
        ),
    },
    "F": {
        "old": (
            "秀英",
            "桂英",
            "秀兰",
            "玉兰",
            "桂兰",
            "淑珍",
            "凤英",
            "玉珍",
            "秀珍",
            "素芬",
            "丽华",
            "淑华",
            "桂芳",
            "玉梅",
            "素珍",
            "翠华",
            "兰英",
            "琼",
            "英",
            "兰",
            "珍",
            "芬",
            "霞",
        ),
        "mid": (
            "芳",
            "娜",
            "静",
            "丽",
            "艳",
            "敏",
            "燕",
            "娟",
            "婷",
            "雪",
            "丹",
            "丽娟",
            "晓燕",
            "春梅",
            "红梅",
            "雪梅",
            "婷婷",
            "丽萍",
            "小红",
            "玲",
            "倩",
            "莉",
            "慧",
            "颖",
            "晓丽",
            "海燕",
        ),
        "young": (
            "子涵",
            "欣怡",
            "梓涵",
            "诗涵",
            "雨涵",
            "思彤",
            "雨萱",
            "一诺",
            "可馨",
            "语桐",
            "若汐",
            "佳怡",
            "梓萱",
            "紫涵",
            "欣妍",
            "雨桐",
            "心怡",
            "梦瑶",
            "书瑶",
            "语嫣",
            "安琪",
        ),
    },
}
#: 户籍 residents carry the district's own region code; others come from across Sichuan and beyond.
HOME_REGION = "510108"
OTHER_REGIONS = ("511302", "510722", "511623", "513401", "510681", "500101", "411502", "430124", "620102")
MOBILE_PREFIXES = ("133", "135", "136", "138", "139", "150", "151", "158", "177", "180", "186", "189", "199")


@dataclass
class PeopleDemoReport:
    households: int = 0
    residents: int = 0
    facilities: int = 0
    organisations: int = 0


def _age(rng: random.Random) -> int:
    lo, hi, _ = rng.choices(AGE_BANDS, weights=[b[2] for b in AGE_BANDS])[0]
    return rng.randint(lo, hi)


def _birth_date(age: int, rng: random.Random) -> dt.date:
    year = REFERENCE_DAY.year - age - 1
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))


def synthetic_id_number(region: str, birth: dt.date, sex: str, rng: random.Random) -> str:
    """A GB 11643-valid number: region, birth date, sequence whose last digit is odd for men."""
    seq = rng.randrange(100) * 10 + rng.choice((1, 3, 5, 7, 9) if sex == "M" else (0, 2, 4, 6, 8))
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)


def synthetic_name(
    rng: random.Random, *, sex: str | None = None, birth_year: int | None = None, surname: str | None = None
) -> str:
    """An invented name that fits the person: a given name of their sex and of the decade they
    were born in, and (for a family) the surname given.

    >>> synthetic_name(random.Random(1), sex="F", birth_year=1948, surname="王")[0]
    '王'
    """
    sex = sex if sex in ("M", "F") else rng.choice("MF")
    year = birth_year if birth_year is not None else rng.randint(1950, 2015)
    era = "old" if year < 1970 else "mid" if year < 2000 else "young"
    return (surname or rng.choice(SURNAMES)) + rng.choice(GIVEN_NAMES[sex][era])


def synthetic_phone(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _members(rng: random.Random) -> list[tuple[int, str]]:
    """(age, relation) of a household's members, the oldest adult as head."""
    size = rng.choices((1, 2, 3, 4, 5), weights=(0.24, 0.32, 0.22, 0.14, 0.08))[0]
    ages = sorted((_age(rng) for _ in range(size)), reverse=True)
    if ages[0] < 18:
        ages[0] = rng.randint(25, 60)
        ages.sort(reverse=True)
    head, out, spouse = ages[0], [(ages[0], Relation.HEAD)], False
    for age in ages[1:]:
        gap = head - age
        if gap <= 12 and age >= 18 and not spouse:
            out.append((age, Relation.SPOUSE))
            spouse = True
        elif gap >= 40:
            out.append((age, Relation.GRANDCHILD))
        elif gap >= 16:
            out.append((age, Relation.CHILD))
        else:
            out.append((age, Relation.SIBLING if gap > 0 else Relation.OTHER))
    return out


def _tags(age: int, size: int, has_working_adult: bool, sex: str, rng: random.Random) -> list[str]:
    tags = []
    if age >= 60 and size == 1:
        tags.append(ResidentTag.ELDERLY_ALONE)
    if age >= 80:
        tags.append(ResidentTag.OLDEST_OLD)
    if rng.random() < 0.02 + (0.06 if age >= 65 else 0):
        tags.append(ResidentTag.DISABLED)
    if rng.random() < 0.012:
        tags.append(ResidentTag.SUBSISTENCE)
    if age < 16 and not has_working_adult:
        tags.append(ResidentTag.LEFT_BEHIND_CHILD)
    if age >= 20 and sex == "M" and rng.random() < 0.04:
        tags.append(ResidentTag.VETERAN)
    if age >= 18 and rng.random() < 0.07:
        tags.append(ResidentTag.PARTY_MEMBER)
    return tags


def _synthetic_uscc(region: str, rng: random.Random) -> str:
    from shezhi.common.identifiers import uscc_check_char

    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    first17 = "91" + region + "".join(rng.choice(chars) for _ in range(9))
    return first17 + uscc_check_char(first17)


def build_demo_people(*, households_per_compound: int = 30, seed: int = SEED) -> PeopleDemoReport:
    """Households and residents in every demo compound, one service station per community.

    Idempotent: does nothing if synthetic residents exist already.
    """
    report = PeopleDemoReport()
    if Resident.objects.filter(synthetic=True).exists():
        return report
    rng = random.Random(seed)
    compounds = list(Compound.objects.select_related("community", "grid").order_by("pk"))
    used_ids: set[str] = set(Resident.objects.values_list("id_index", flat=True))
    with transaction.atomic():
        households: list[Household] = []
        plans: list[list[tuple[int, str]]] = []
        for compound in compounds:
            n = max(1, min(households_per_compound, compound.households or 1))
            for i in range(n):
                floor, door = divmod(i, 4)
                households.append(
                    Household(
                        compound=compound,
                        community_id=compound.community_id,
                        grid_id=compound.grid_id,
                        building=f"{1 + i // 24}栋",
                        unit=f"{1 + (i // 8) % 3}单元",
                        room=f"{1 + floor % 30}0{1 + door}",
                        status=rng.choices(list(ResidenceStatus.values), weights=(0.7, 0.2, 0.1))[0],
                        synthetic=True,
                    )
                )
                plans.append(_members(rng))
        households = bulk_create_with_history(households, Household, batch_size=1000)
        if any(h.pk is None for h in households):  # databases that return no keys from bulk inserts
            households = list(Household.objects.filter(synthetic=True).order_by("pk"))
        residents: list[Resident] = []
        # Names draw from their own generator, so the people (ages, sexes, tags) stay as seeded.
        names = random.Random(seed + 1)
        for household, members in zip(households, plans, strict=True):
            working = any(18 <= age <= 59 for age, _ in members)
            head_sex = ""
            family_name = names.choice(SURNAMES)
            for age, relation in members:
                sex = rng.choice("MF")
                if relation == Relation.HEAD:
                    head_sex = sex
                elif relation == Relation.SPOUSE and head_sex:
                    sex = "F" if head_sex == "M" else "M"  # the demo's couples are of opposite sex
                birth = _birth_date(age, rng)
                region = (
                    HOME_REGION
                    if household.status == ResidenceStatus.REGISTERED
                    else rng.choice(OTHER_REGIONS)
                )
                while True:
                    number = synthetic_id_number(region, birth, sex, rng)
                    index = blind_index(number, kind=ID_KIND)
                    if index not in used_ids:
                        used_ids.add(index)
                        break
                phone = synthetic_phone(rng) if age >= 16 and rng.random() < 0.9 else ""
                residents.append(
                    Resident(
                        household=household,
                        name=synthetic_name(
                            names,
                            sex=sex,
                            birth_year=birth.year,
                            # Children and grandchildren carry the family's surname, spouses their own.
                            surname=family_name
                            if relation in (Relation.HEAD, Relation.CHILD, Relation.GRANDCHILD)
                            else None,
                        ),
                        id_number=number,
                        id_index=index,
                        sex=sex,
                        birth_date=birth,
                        phone=phone,
                        phone_index=blind_index(phone, kind=PHONE_KIND) if phone else "",
                        relation=relation,
                        tags=TagSet.encode(_tags(age, len(members), working, sex, rng)),
                        synthetic=True,
                    )
                )
        bulk_create_with_history(residents, Resident, batch_size=1000)
        report.households, report.residents = len(households), len(residents)

        by_community: dict[int, Compound] = {}
        for compound in compounds:
            by_community.setdefault(compound.community_id, compound)
        grids = {
            g.community_id: g
            for g in Grid.objects.filter(kind=GridKind.GENERAL, community_id__in=by_community).order_by(
                "-code"
            )
        }
        organisations = []
        facilities = []
        for community_id, compound in by_community.items():
            org = Organisation(
                name=f"{compound.name}物业服务中心",
                kind=OrganisationKind.PROPERTY,
                uscc=_synthetic_uscc(HOME_REGION, rng),
                community_id=community_id,
                grid_id=compound.grid_id,
                address=compound.name,
                contact_name=synthetic_name(names),
                contact_phone=synthetic_phone(rng),
                synthetic=True,
            )
            organisations.append(org)
            grid = compound.grid or grids.get(community_id)
            for category, level, name, area, capacity, hours in (
                (
                    FacilityCategory.SERVICE_STATION,
                    FacilityLevel.FIFTEEN,
                    "社区党群服务中心",
                    450,
                    200,
                    "09:00-18:00",
                ),
                (
                    FacilityCategory.ELDERLY_DAYCARE,
                    FacilityLevel.TEN,
                    "社区日间照料中心",
                    300,
                    40,
                    "08:30-17:30",
                ),
            ):
                facilities.append(
                    Facility(
                        name=f"{compound.community.name}{name}",
                        category=category,
                        level=level,
                        community_id=community_id,
                        grid_id=grid.pk if grid else None,
                        lon=compound.lon,
                        lat=compound.lat,
                        floor_area_m2=area,
                        capacity=capacity,
                        opening_hours=hours,
                        synthetic=True,
                    )
                )
        bulk_create_with_history(organisations, Organisation, batch_size=500)
        bulk_create_with_history(facilities, Facility, batch_size=500)
        report.organisations, report.facilities = len(organisations), len(facilities)
    return report
