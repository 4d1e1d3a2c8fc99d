"""Volunteers: the chain from sign-up to verified hours, the 1116 report, the certificate PDF."""

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from shezhi.common.errors import AppError
from shezhi.participation import volunteers as vs
from shezhi.participation.certificate import certificate_pdf
from shezhi.participation.models import ServiceStatus, VolunteerKind
from shezhi.places.models import Division

TZ = ZoneInfo("Asia/Shanghai")
SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


def serve(world, time_machine, volunteer, community, day, hours):
    """One activity on ``day`` of ``hours``, served in full and verified."""
    start = dt.datetime(2026, *day, 9, 0, tzinfo=TZ)
    time_machine.move_to(start - dt.timedelta(days=2), tick=False)
    activity = vs.activity_create(
        actor=world.carol, title=f"社区服务 {day[0]}-{day[1]}", community=community,
        starts_at=start, ends_at=start + dt.timedelta(hours=hours),
    )  # fmt: skip
    service = vs.service_signup(activity=activity, volunteer=volunteer)
    vs.service_accept(service=service, actor=world.carol)
    vs.service_check_in(service=service, at=start, lon=104.08, lat=30.66)
    vs.service_check_out(service=service, at=start + dt.timedelta(hours=hours))
    return vs.service_verify(service=service, actor=world.carol)


@pytest.fixture
def members(world):
    here = world.grid_a.community
    plan = {
        "zhang": ("张合成", VolunteerKind.PARTY_MEMBER, "区税务局"),
        "li": ("李合成", VolunteerKind.PARTY_MEMBER, "区税务局"),
        "wang": ("王合成", VolunteerKind.PARTY_MEMBER, "区医院"),
        "zhao": ("赵合成", VolunteerKind.RESIDENT, ""),
    }
    return {
        key: vs.volunteer_register(actor=world.carol, name=name, kind=kind, work_unit=unit, community=here)
        for key, (name, kind, unit) in plan.items()
    }


def test_the_1116_report_lists_members_below_16_hours_in_one_community(world, members, time_machine):
    here = world.grid_a.community
    there = Division.objects.filter(parent=here.parent, level="community").exclude(pk=here.pk).first()
    for n in range(4):  # 4 × 4.5 h = 18 h in one community
        serve(world, time_machine, members["zhang"], here, (3, 1 + n), 4.5)
    for n in range(2):  # 10 h here and 10 h there: 20 h, but not 16 in one community
        serve(world, time_machine, members["li"], here, (5, 1 + n), 5)
        serve(world, time_machine, members["li"], there, (6, 1 + n), 5)
    serve(world, time_machine, members["zhang"], here, (1, 5), 8)  # January: the same year
    serve(world, time_machine, members["zhao"], here, (7, 1), 8)  # a resident: not in the 1116 report
    report = {u.unit: u for u in vs.report_1116(actor=world.carol, year=2026)}
    assert set(report) == {"区税务局", "区医院"}
    tax = {m.volunteer.name: m for m in report["区税务局"].members}
    assert tax["张合成"].best == (here.name, Decimal("26.00"))
    assert tax["张合成"].complies
    assert tax["李合成"].total == Decimal("20.00")
    assert tax["李合成"].best[1] == Decimal("10.00")
    assert not tax["李合成"].complies
    assert [m.volunteer.name for m in report["区税务局"].below] == ["李合成"]
    assert [m.volunteer.name for m in report["区医院"].below] == ["王合成"]  # no hours at all
    assert vs.report_1116(actor=world.carol, year=2025)[0].members[0].total == 0


def test_overlapping_check_ins_are_refused(world, members, time_machine):
    here = world.grid_a.community
    start = dt.datetime(2026, 4, 1, 9, tzinfo=TZ)
    time_machine.move_to(start - dt.timedelta(days=1), tick=False)
    a = vs.activity_create(
        actor=world.carol, title="A", community=here, starts_at=start, ends_at=start + dt.timedelta(hours=3)
    )
    b = vs.activity_create(
        actor=world.carol,
        title="B",
        community=here,
        starts_at=start + dt.timedelta(hours=1),
        ends_at=start + dt.timedelta(hours=4),
    )
    sa = vs.service_signup(activity=a, volunteer=members["zhao"])
    sb = vs.service_signup(activity=b, volunteer=members["zhao"])
    with pytest.raises(AppError, match="状态"):
        vs.service_check_in(service=sa, at=start)  # not accepted yet
    with pytest.raises(AppError, match="重复报名"):
        vs.service_signup(activity=a, volunteer=members["zhao"])
    vs.service_accept(service=sa, actor=world.carol)
    vs.service_accept(service=sb, actor=world.carol)
    vs.service_check_in(service=sa, at=start)
    with pytest.raises(AppError) as refused:
        vs.service_check_in(service=sb, at=start + dt.timedelta(hours=1))
    assert refused.value.code == "overlapping_check_in"
    vs.service_check_out(service=sa, at=start + dt.timedelta(hours=3))
    with pytest.raises(AppError) as refused:  # still inside A's checked interval
        vs.service_check_in(service=sb, at=start + dt.timedelta(hours=2))
    assert refused.value.code == "overlapping_check_in"
    with pytest.raises(AppError, match="0 到 3"):
        vs.service_verify(service=sa, actor=world.carol, hours=Decimal(5))
    with pytest.raises(AppError):
        vs.service_verify(service=sa, actor=world.rita)
    assert vs.service_verify(service=sa, actor=world.carol).hours == Decimal("3.00")
    sb.refresh_from_db()
    assert sb.status == ServiceStatus.ACCEPTED


def test_an_activity_that_is_over_takes_no_sign_ups(world, members, time_machine):
    here = world.grid_a.community
    start = dt.datetime(2026, 4, 1, 9, tzinfo=TZ)
    time_machine.move_to(start - dt.timedelta(days=1), tick=False)
    activity = vs.activity_create(
        actor=world.carol, title="A", community=here, starts_at=start, ends_at=start + dt.timedelta(hours=2)
    )
    time_machine.move_to(start + dt.timedelta(hours=3), tick=False)
    with pytest.raises(AppError, match="已结束"):
        vs.service_signup(activity=activity, volunteer=members["zhao"])


def test_the_certificate_is_a_pdf_with_chinese_text(world, members, time_machine):
    import pypdf

    here = world.grid_a.community
    for n in range(3):
        serve(world, time_machine, members["zhang"], here, (9, 1 + n), 3)
    services = vs.hours_in_year(members["zhang"], 2026)
    pdf = certificate_pdf(members["zhang"], services, 2026, here.name)
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "志愿服务时长证明" in text
    assert "张合成" in text
    assert "9.0" in text
    pdfium = pytest.importorskip("pypdfium2")
    page = pdfium.PdfDocument(pdf)[0]
    SHOTS.mkdir(parents=True, exist_ok=True)
    image = page.render(scale=1.5).to_pil()
    image.save(SHOTS / "participation-certificate.png")
    # Ink on the page: the Chinese title is drawn, not tofu boxes only.
    import numpy as np

    dark = int((np.asarray(image.convert("L")) < 128).sum())
    assert dark > 5000


def test_a_resident_volunteers_on_the_pages_and_downloads_the_certificate(world, time_machine):
    from django.test import Client

    from shezhi.participation.models import Activity, Service

    start = dt.datetime(2026, 10, 10, 9, tzinfo=TZ)
    time_machine.move_to(start - dt.timedelta(days=1), tick=False)
    desk, resident = Client(), Client()
    desk.force_login(world.carol)
    resident.force_login(world.rita)
    created = desk.post(
        "/participation/volunteer/",
        {
            "action": "activity",
            "title": "（合成）楼道清扫",
            "starts_at": "2026-10-10T09:00",
            "ends_at": "2026-10-10T12:00",
        },
    )
    assert created.status_code == 302
    activity = Activity.objects.get(title="（合成）楼道清扫")
    bad = desk.post(
        "/participation/volunteer/",
        {"action": "activity", "title": "x", "starts_at": "2026-10-10T12:00", "ends_at": "2026-10-10T09:00"},
    )
    assert bad.status_code == 422
    assert resident.post("/participation/volunteer/", {"action": "register"}).status_code == 302
    resident.post(f"/participation/volunteer/activities/{activity.pk}/", {"action": "signup"})
    again = resident.post(f"/participation/volunteer/activities/{activity.pk}/", {"action": "signup"})
    assert again.status_code == 409
    service = Service.objects.get(activity=activity)
    desk.post(
        f"/participation/volunteer/activities/{activity.pk}/", {"action": "accept", "service": service.pk}
    )
    time_machine.move_to(start, tick=False)
    resident.force_login(world.rita)
    url = f"/participation/volunteer/activities/{activity.pk}/"
    resident.post(url, {"action": "check_in", "service": service.pk, "lon": "104.08", "lat": "30.66"})
    time_machine.move_to(start + dt.timedelta(hours=3), tick=False)
    resident.force_login(world.rita)
    resident.post(url, {"action": "check_out", "service": service.pk, "lon": "104.08", "lat": "30.66"})
    desk.force_login(world.carol)
    assert desk.post(url, {"action": "verify", "service": service.pk, "hours": "abc"}).status_code == 422
    desk.post(url, {"action": "verify", "service": service.pk, "hours": ""})
    service.refresh_from_db()
    assert (service.status, service.hours, service.in_lat) == (ServiceStatus.VERIFIED, Decimal("3.00"), 30.66)
    assert resident.post(url, {"action": "verify", "service": service.pk}).status_code == 403
    pdf = resident.get(f"/participation/volunteer/{service.volunteer_id}/certificate.pdf?year=2026")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert resident.get("/participation/volunteer/report-1116/").status_code == 403
    assert desk.get("/participation/volunteer/report-1116/?year=2026").status_code == 200
