"""Synthetic demo cases (合成数据): reproducible, seeded, and labelled synthetic everywhere.

No real resident wrote these. Texts are built from templates, places are the demo grids,
times are spread over the last weeks; every case's source_ref starts ``SYNTH-`` and its
title starts with 【合成】.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from shezhi.accounts.models import User
from shezhi.accounts.roles import Role
from shezhi.cases.models import Case, Category, Channel
from shezhi.cases.services import Intake, case_intake, case_transition
from shezhi.places.models import Compound, Grid, GridKind

SYNTHETIC_PREFIX = "【合成】"
SEED = 12345

_TEMPLATES: dict[str, list[str]] = {
    "CX01": ["{c}物业长期不打扫楼道，业主多次反映无果", "{c}物业擅自提高停车费，请求核查"],
    "CX02": ["{c}门口路灯连续一周不亮，夜间出行不便", "{c}旁人行道井盖松动，存在安全隐患"],
    "CX03": ["{c}顶楼有住户私自加建阳光房", "{c}一楼住户占用公共绿地搭建棚子"],
    "HB01": ["{c}附近夜间施工噪音扰民，影响休息", "{c}广场舞音响声音过大，晚上十点后仍未停止"],
    "HB02": ["{c}垃圾桶满溢无人清运，气味很大", "{c}垃圾分类点长期堆放建筑垃圾"],
    "JT01": ["{c}门口车辆乱停占用消防通道", "{c}共享单车堆满人行道"],
    "MZ01": ["{c}独居老人需要助餐服务，希望社区协调", "咨询{c}高龄补贴如何申请"],
    "ZF01": ["{c}楼上漏水与邻居协商不成，请求调解", "{c}邻里因宠物噪音发生纠纷"],
    "SM02": ["{c}门口流动摊贩占道经营", "{c}夜市摊点油烟和垃圾问题"],
}


def _point_in(grid: Grid, rng: random.Random) -> tuple[float, float]:
    from shapely.geometry import Point, shape

    geom = shape(grid.boundary)
    minx, miny, maxx, maxy = geom.bounds
    for _ in range(200):
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if geom.contains(p):
            return p.x, p.y
    rp = geom.representative_point()
    return rp.x, rp.y


def _desk_for(grid: Grid) -> User | None:
    return (
        User.objects.filter(role=Role.COMMUNITY_WORKER, division=grid.community, is_active=True).first()
        or User.objects.filter(role=Role.STREET_STAFF, division=grid.community.parent, is_active=True).first()
        or User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    )


def synthetic_case(
    *,
    grid: Grid,
    actor: User,
    rng: random.Random,
    opened_at: dt.datetime | None = None,
    code: str | None = None,
) -> Case:
    """One synthetic case at a random point of ``grid``."""
    code = code or rng.choice(sorted(_TEMPLATES))
    category = Category.objects.get(code=code)
    compound = Compound.objects.filter(grid__path__startswith=grid.path).order_by("pk").first()
    place = compound.name if compound else grid.name
    lon, lat = _point_in(grid, rng)
    attributes: dict[str, Any] = {}
    if code == "CX02":
        attributes = {"facility": rng.choice(["lamp", "manhole"])}
    text = rng.choice(_TEMPLATES[code]).format(c=place)
    return case_intake(
        intake=Intake(
            channel=rng.choice([Channel.RESIDENT, Channel.PATROL, Channel.HOTLINE]),
            description=f"{text}（合成演示数据）",
            title=f"{SYNTHETIC_PREFIX}{text[:24]}",
            category=category,
            lon=lon,
            lat=lat,
            address=place,
            attributes=attributes,
            source_ref=f"SYNTH-{rng.randrange(10**8):08d}",
            opened_at=opened_at,
            reporter_name=rng.choice(["王*", "李*", "张*"]).replace("*", rng.choice("明华芳军丽强")),
            reporter_phone=f"139{rng.randrange(10**8):08d}",
        ),
        actor=actor,
    )


def seed_world_cases(world: Any) -> list[Case]:
    """One case in each of the test world's grids A, B and Y (for the isolation walk)."""
    rng = random.Random(SEED)
    return [
        synthetic_case(grid=world.grid_a, actor=world.alice, rng=rng, code="CX02"),
        synthetic_case(grid=world.grid_b, actor=world.bob, rng=rng, code="HB01"),
        synthetic_case(grid=world.grid_y, actor=world.tina, rng=rng, code="ZF01"),
    ]


def build_demo_cases(*, count: int = 120, seed: int = SEED) -> int:
    """``count`` synthetic cases over the demo grids, moved along the workflow at random."""
    rng = random.Random(seed)
    grids = list(Grid.objects.filter(kind=GridKind.GENERAL).select_related("community").order_by("code"))
    if not grids or Case.objects.filter(source_ref__startswith="SYNTH-").exists():
        return 0
    now = timezone.now()
    made = 0
    for _ in range(count):
        grid = rng.choice(grids)
        actor = User.objects.filter(role=Role.GRID_WORKER, grid=grid).first() or _desk_for(grid)
        if actor is None:
            continue
        opened = now - dt.timedelta(hours=rng.uniform(1, 24 * 40))
        case = synthetic_case(grid=grid, actor=actor, rng=rng, opened_at=opened)
        desk = _desk_for(grid) or actor
        steps = rng.choice(
            [
                [],
                ["sign"],
                ["sign", "start"],
                ["sign", "start", "reply"],
                ["sign", "start", "reply", "approve"],
                ["sign", "start", "reply", "approve", "visit"],
            ]
        )
        for step in steps if case.state == "dispatched" else []:
            who = desk if step in ("approve",) else actor
            note = {"reply": "已现场处理完毕（合成）", "visit": "回访：已解决"}.get(step, "")
            sat = rng.choice(["satisfied", "satisfied", "basic", "dissatisfied"]) if step == "visit" else ""
            try:
                case = case_transition(case=case, action=step, actor=who, note=note, satisfaction=sat)
            except Exception:  # noqa: BLE001 - a demo actor lacking a role just stops the walk
                break
        made += 1
    return made


def _synthetic_photo(rng: random.Random) -> Any:
    """A small synthetic picture (not a real scene), for 自行处置 demo cases that need one."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 240), (rng.randrange(150, 220), rng.randrange(150, 220), 200))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 60, 280, 180), outline=(60, 60, 60), width=4)
    draw.text((60, 110), "SYNTHETIC", fill=(40, 40, 40))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return SimpleUploadedFile("synthetic.png", buffer.getvalue(), content_type="image/png")


def _work_case(
    key: str,
    *,
    grid: Grid,
    actor: User,
    rng: random.Random,
    code: str,
    text: str,
    **intake: Any,
) -> Case | None:
    """One synthetic case of a demo account's to-do list, made once (by its ``source_ref``)."""
    ref = f"SYNTH-WORK-{key}"
    if Case.objects.filter(source_ref=ref).exists():
        return None
    category = Category.objects.get(code=code)
    lon, lat = _point_in(grid, rng)
    attributes = {"facility": "lamp"} if code == "CX02" else {}
    return case_intake(
        intake=Intake(
            channel=intake.pop("channel", Channel.PATROL),
            description=f"{text}（合成演示数据）",
            title=f"{SYNTHETIC_PREFIX}{text[:24]}",
            category=category,
            lon=intake.pop("lon", lon),
            lat=intake.pop("lat", lat),
            attributes=attributes,
            source_ref=ref,
            **intake,
        ),
        actor=actor,
    )


def _walk(case: Case | None, steps: list[tuple[str, User, str]], **extra: Any) -> Case | None:
    for action, who, note in steps:
        if case is None:
            return None
        case = case_transition(case=case, action=action, actor=who, note=note, **extra)
    return case


def ensure_account_work(*, seed: int = SEED) -> int:
    """Give every staff demo account real work in its own area; returns the cases made.

    网格员 ``grid``: a case to sign, one in hand and one closed by 自行处置 in their grid;
    社区 ``community``: a reply to review; 街道 ``street``: a report awaiting 分拨, a returned
    case to dispatch and one to call departments in on (吹哨); 区 ``district``: an
    extension to decide; 居民 ``resident``: a closed case to rate and one in progress.
    Idempotent: each case is made once, named by its ``source_ref``.
    """
    rng = random.Random(seed + 1)
    users = {u.username: u for u in User.objects.filter(is_active=True, username__in=[
        "grid", "community", "street", "district", "resident"])}  # fmt: skip
    grid_user = users.get("grid")
    if grid_user is None or grid_user.grid is None:
        return 0
    grid = grid_user.grid
    community, street, district = users.get("community"), users.get("street"), users.get("district")
    resident = users.get("resident")
    before = Case.objects.filter(source_ref__startswith="SYNTH-WORK-").count()
    here = grid.name
    _work_case(
        "grid-sign",
        grid=grid,
        actor=grid_user,
        rng=rng,
        code="ZF01",
        text=f"{here}两户邻居因楼道堆物发生争执，请求调解",
        channel=Channel.HOTLINE,
    )
    _walk(
        _work_case(
            "grid-doing",
            grid=grid,
            actor=grid_user,
            rng=rng,
            code="MZ01",
            text=f"{here}独居老人希望社区协调助餐服务",
        ),
        [("sign", grid_user, "")],
    )
    _work_case(
        "grid-self",
        grid=grid,
        actor=grid_user,
        rng=rng,
        code="HB02",
        text=f"{here}垃圾桶旁散落垃圾",
        photo=_synthetic_photo(rng),
        self_handled_note="已联系保洁员当场清扫（合成）",
    )
    if community is not None:
        _walk(
            _work_case(
                "community-review",
                grid=grid,
                actor=grid_user,
                rng=rng,
                code="CX01",
                text=f"{here}楼道灯坏了物业迟迟不修",
            ),
            [("sign", grid_user, ""), ("reply", grid_user, "已督促物业更换灯泡（合成）")],
        )
    if street is not None:
        street_area = street.division
        _work_case(
            "street-triage",
            grid=grid,
            actor=street,
            rng=rng,
            code="JT01",
            text="某路口早晚高峰车辆乱停",
            channel=Channel.HOTLINE,
            lon=None,
            lat=None,
            address=f"{street_area.name}某路口（位置待核实）",
        )
        _walk(
            _work_case(
                "street-dispatch",
                grid=grid,
                actor=grid_user,
                rng=rng,
                code="SM02",
                text=f"{here}门口流动摊贩占道经营",
            ),
            [("return", grid_user, "摊贩流动性大，需街道执法队处理（合成）")],
        )
        _walk(
            _work_case(
                "street-whistle",
                grid=grid,
                actor=grid_user,
                rng=rng,
                code="CX02",
                text=f"{here}旁路灯连续一周不亮",
            ),
            [("sign", street, "")],
        )
    if district is not None:
        case = _walk(
            _work_case(
                "district-extension",
                grid=grid,
                actor=grid_user,
                rng=rng,
                code="HB01",
                text=f"{here}附近工地夜间施工噪音扰民",
            ),
            [("sign", grid_user, "")],
        )
        if case is not None:
            from shezhi.cases.services import case_extension_request

            case_extension_request(
                case=case, actor=grid_user, days=5, reason="需协调施工单位调整作业时间（合成）"
            )
    if resident is not None:
        _walk(
            _work_case(
                "resident-rate",
                grid=grid,
                actor=resident,
                rng=rng,
                code="WS02",
                text="楼下绿化带蚊虫很多，希望消杀",
                channel=Channel.RESIDENT,
                reporter=resident,
            ),
            [
                ("sign", grid_user, ""),
                ("reply", grid_user, "已安排消杀（合成）"),
                ("approve", community or street, ""),
            ],
        )
        _work_case(
            "resident-open",
            grid=grid,
            actor=resident,
            rng=rng,
            code="CX02",
            text="小区门口路灯不亮",
            channel=Channel.RESIDENT,
            reporter=resident,
        )
    return Case.objects.filter(source_ref__startswith="SYNTH-WORK-").count() - before
