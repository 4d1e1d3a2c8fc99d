"""Pages: worklist, a person's history with receipts, the roll export, check-in, the resident
page with the person's code, the auditor's view, and the public log files."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from shezhi.eldercare import logbook, publishing, services
from shezhi.eldercare.models import CheckIn, Elder
from shezhi.eldercare.tests.conftest import TZ, jpeg
from shezhi.ledger import note
from shezhi.ledger.receipt import Receipt, verify_receipt
from shezhi.people.models import AccessLog

YEAR = 2026


@pytest.fixture(autouse=True)
def _december_2026():
    """The pages act "now"; the fixture's elders were enrolled on 5 January 2026."""
    with time_machine.travel(dt.datetime(2026, 12, 8, 10, tzinfo=TZ), tick=True):
        yield


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_worklist_shows_due_overdue_and_suspended_of_ones_area(world, elders):
    services.deadline_scan()
    mine = Elder.objects.visible_to(world.alice).first()
    Elder.objects.filter(pk=mine.pk).update(cert_state="overdue")
    body = client_for(world.alice).get("/eldercare/").content.decode()
    assert f"/eldercare/elders/{mine.pk}/" in body
    others = Elder.objects.exclude(pk__in=Elder.objects.visible_to(world.alice).values("pk"))
    for e in others:
        assert f"/eldercare/elders/{e.pk}/" not in body
    assert client_for(world.rita).get("/eldercare/").status_code == 403


def test_visit_through_the_page_and_its_receipt_verifies(world, elders):
    elder = Elder.objects.visible_to(world.alice).first()
    c = client_for(world.alice)
    response = c.post(
        f"/eldercare/elders/{elder.pk}/",
        {"action": "certify", "method": "visit", "photo": jpeg(), "lon": "104.08", "lat": "30.66"},
    )
    assert response.status_code == 302
    record = elder.records.get(event="certification")
    receipt = c.get(f"/eldercare/records/{record.pk}/receipt/")
    assert receipt.status_code == 200
    assert receipt["Content-Disposition"].endswith('.tlog-proof"')
    text = receipt.content.decode()
    r = Receipt.loads(text)
    assert r.extra == bytes(record.body)
    log_key = note.load_verifier(logbook.log_vkey(record.year))
    witness = note.load_verifier(logbook.witness_vkeys()[0])
    signed = verify_receipt(text, bytes(record.body), [log_key], [witness], min_witnesses=1)
    assert signed.size >= record.index + 1
    # the photo is served only to the area
    cert = elder.certifications.get()
    assert c.get(f"/eldercare/certifications/{cert.pk}/photo/").status_code == 200
    assert client_for(world.bob).get(f"/eldercare/certifications/{cert.pk}/photo/").status_code == 404


def test_a_visit_without_photo_shows_the_reason_next_to_the_field(world, elders):
    elder = Elder.objects.visible_to(world.alice).first()
    before = elder.records.count()
    response = client_for(world.alice).post(
        f"/eldercare/elders/{elder.pk}/", {"action": "certify", "method": "visit"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "上门认证须拍摄照片" in body
    assert elder.records.count() == before


def test_another_grid_gets_404_and_nothing_is_appended(world, elders):
    elder = Elder.objects.visible_to(world.bob).first()
    size = logbook.read_checkpoint(YEAR).size
    response = client_for(world.alice).post(
        f"/eldercare/elders/{elder.pk}/", {"action": "certify", "method": "centre"}
    )
    assert response.status_code == 404
    assert logbook.read_checkpoint(YEAR).size == size


def test_roll_export_is_masked_and_logged(world, elders):
    c = client_for(world.carol)
    month = elders[0].enrolled_on.strftime("%Y-%m")
    page = c.get(f"/eldercare/roll/?month={month}")
    assert page.status_code == 200
    response = c.post(f"/eldercare/roll/?month={month}", {"reason": "本月津贴发放"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == len(elders) + 2
    for row in rows[1:-1]:
        assert "*" in row[4]  # ID numbers masked
    log = AccessLog.objects.filter(actor=world.carol, field="export_masked").get()
    assert log.rows == len(elders)
    assert month in log.scope
    # no reason: refused next to the field, nothing logged
    response = c.post(f"/eldercare/roll/?month={month}", {"reason": ""})
    assert response.status_code == 200
    assert AccessLog.objects.filter(actor=world.carol).count() == 1


def test_resident_page_with_the_code_certifies_and_downloads_the_receipt(world, elders):
    elder = elders[0]
    code = services.person_code_issue(actor=world.carol, elder=elder)
    c = Client()
    page = c.post("/eldercare/me/", {"code": code, "action": "show"})
    assert page.status_code == 200
    assert elder.resident.masked_name in page.content.decode()
    assert c.post("/eldercare/me/", {"code": code, "action": "certify"}).status_code == 200
    cert = elder.certifications.get()
    assert cert.method == "self"
    receipt = c.post("/eldercare/me/", {"code": code, "action": "receipt", "record": cert.record.pk})
    assert receipt.status_code == 200
    assert receipt.content.startswith(b"c2sp.org/tlog-proof@v1\n")
    # another person's record with this code: 404
    other = elders[1].records.first()
    assert (
        c.post("/eldercare/me/", {"code": code, "action": "receipt", "record": other.pk}).status_code == 404
    )
    wrong = c.post("/eldercare/me/", {"code": "AAAAAAAAAAAA"})
    assert "认证码不正确" in wrong.content.decode()


def test_checkin_page_and_the_community_list(world, elders):
    from shezhi.places.models import Compound

    compound = Compound.objects.filter(community=world.grid_a.community).first()
    c = client_for(world.rita)
    response = c.post(
        "/eldercare/checkin/",
        {
            "compound": compound.pk,
            "name": "王小明",
            "from_place": "重庆市",
            "arrived_on": (timezone.localdate() - dt.timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        pytest.fail(response.content.decode()[:2000])
    assert CheckIn.objects.get().from_place == "重庆市"
    listing = client_for(world.carol).get("/eldercare/checkins/").content.decode()
    assert "王*明" in listing
    assert "重庆市" in listing
    assert "王*明" not in client_for(world.tina).get("/eldercare/checkins/").content.decode()


def test_auditor_runs_the_verifier_on_the_served_tiles(world, elders):
    publishing.publish_year(YEAR, trigger="demand")
    c = client_for(world.audrey)
    page = c.get(f"/eldercare/audit/?year={YEAR}")
    assert page.status_code == 200
    assert logbook.WITNESS_NAME in page.content.decode()
    c.post(f"/eldercare/audit/?year={YEAR}", {"action": "verify"})
    run = publishing.VerificationRun.objects.get()
    assert run.ok, run.lines
    assert any("audit:" in line for line in run.lines)
    # tamper with a tile on disk: the next run reports it precisely
    tile = next(p for p in (logbook.log_dir(YEAR) / "tile" / "0").rglob("*") if p.is_file())
    data = bytearray(tile.read_bytes())
    data[0] ^= 1
    tile.write_bytes(bytes(data))
    run = publishing.verify_year(YEAR)
    assert not run.ok
    assert any(line.startswith("FAIL") for line in run.lines)
    assert client_for(world.alice).get("/eldercare/audit/").status_code == 403


def test_public_log_files_are_served_read_only(world, elders):
    c = Client()
    cp = c.get(f"/eldercare/log/{YEAR}/checkpoint")
    assert cp.status_code == 200
    assert cp.content.startswith(f"gov.example/eldercare/{YEAR}\n".encode())
    assert "max-age=5" in cp["Cache-Control"]
    tile = c.get(f"/eldercare/log/{YEAR}/tile/0/000.p/" + str(len(elders)))
    assert tile.status_code == 200
    assert "immutable" in tile["Cache-Control"]
    assert c.get(f"/eldercare/log/{YEAR}/tile/../checkpoint").status_code == 404
    assert c.get(f"/eldercare/log/{YEAR}/tile/entries/000.p/" + str(len(elders))).status_code == 200
    assert c.post(f"/eldercare/log/{YEAR}/checkpoint").status_code == 405


def test_an_edited_database_copy_is_reported(world, elders):
    publishing.publish_year(YEAR, trigger="demand")
    record = elders[0].records.first()
    record.body = bytes(record.body).replace(b'"tier":"', b'"tier":"9')
    record.save()
    run = publishing.verify_year(YEAR)
    assert not run.ok
    assert f"FAIL [database] entry {record.index}: the stored copy differs from the served entry" in run.lines


class ServedSource:
    """The verifier reading through the public URLs (the views), as an outsider's HTTP client would."""

    def __init__(self, year: int) -> None:
        self.client = Client()
        self.base = f"/eldercare/log/{year}/"
        self.paths: list[str] = []

    @property
    def location(self) -> str:
        return self.base

    def get(self, path: str) -> bytes:
        from shezhi.ledger.errors import TamperError

        self.paths.append(path)
        response = self.client.get(self.base + path)
        if response.status_code == 404:
            raise TamperError(f"{path} is missing (HTTP 404)", code="missing", where=path)
        assert response.status_code == 200
        return response.content


def test_the_verifier_checks_the_log_through_its_public_urls(world, elders):
    elder = Elder.objects.visible_to(world.alice).first()
    for i in range(300):  # past one full tile, so full tiles, bundles and a level-1 tile exist
        services.signal_record(
            actor=None,
            elder_pk=elder.pk,
            kind="medical",
            observed_at=timezone.now(),
            source="import:h",
            ref=f"H{i}",
        )
    publishing.publish_year(YEAR, trigger="demand")
    source = ServedSource(YEAR)
    run = publishing.verify_year(YEAR, source=source)
    assert run.ok, run.lines
    assert run.size > 256
    assert "tile/0/000" in source.paths
    assert "tile/entries/000" in source.paths
    assert any(p.startswith("tile/1/") for p in source.paths)


def test_district_publishes_on_demand_and_sees_the_witness(world, elders):
    c = client_for(world.dora)
    assert c.post(f"/eldercare/audit/?year={YEAR}", {"action": "publish"}).status_code == 302
    published = publishing.PublishedCheckpoint.objects.get()
    assert published.trigger == "demand"
    assert published.witnesses[0]["name"] == logbook.WITNESS_NAME
    assert (
        client_for(world.audrey).post(f"/eldercare/audit/?year={YEAR}", {"action": "publish"}).status_code
        == 403
    )


def test_nav_links_follow_the_role(world):
    from shezhi.eldercare.nav import nav_items, work_cards

    assert {str(i.label) for i in nav_items(world.rita)} == {"社区报到", "高龄认证查询"}
    assert "透明日志审计" in {str(i.label) for i in nav_items(world.audrey)}
    assert work_cards(world.audrey) == []
    assert len(work_cards(world.carol)) == 3
    for user in (world.alice, world.carol, world.rita, world.audrey, world.dora, world.sam):
        for item in nav_items(user):
            assert client_for(user).get(item.url).status_code == 200, (user, item.url)


def test_bad_input_on_the_resident_page_is_not_a_500(world, elders):
    code = services.person_code_issue(actor=world.carol, elder=elders[0])
    c = Client()
    assert c.post("/eldercare/me/", {"code": code, "action": "receipt", "record": "abc"}).status_code == 404
    assert c.post("/eldercare/me/", {"code": "x" * 30}).status_code == 200
    assert (
        client_for(world.audrey).post("/eldercare/audit/?year=2031", {"action": "verify"}).status_code == 302
    )
    assert not logbook.log_dir(2031).exists()


def test_pages_speak_one_language_at_a_time(world, elders):
    from django.conf import settings

    c = client_for(world.carol)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = c.get("/eldercare/").content.decode()
    assert "Certification worklist" in body
    assert "高龄认证工作台" not in body
    elder = Elder.objects.visible_to(world.alice).first()
    c.post(f"/eldercare/elders/{elder.pk}/", {"action": "certify", "method": "visit"})
    response = c.post(f"/eldercare/elders/{elder.pk}/", {"action": "certify", "method": "visit"})
    assert "a visit needs a photo" in response.content.decode()
    assert "上门认证须拍摄照片" not in response.content.decode()
