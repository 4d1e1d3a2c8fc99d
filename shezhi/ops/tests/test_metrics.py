"""/metrics: the platform's gauges for monitoring only."""

import pytest
from django.test import Client

from shezhi.accounts.models import User
from shezhi.people.models import ImportBatch, ImportStatus


@pytest.fixture
def monitor(settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.5"]
    settings.METRICS_TOKEN = "s3cret-scrape"
    return Client(REMOTE_ADDR="10.0.0.5", HTTP_AUTHORIZATION="Bearer s3cret-scrape")


def test_metrics_answer_only_monitoring(db, monitor):
    assert monitor.get("/metrics").status_code == 200
    assert (
        Client(REMOTE_ADDR="10.0.0.6", HTTP_AUTHORIZATION="Bearer s3cret-scrape").get("/metrics").status_code
        == 404
    )
    assert (
        Client(REMOTE_ADDR="10.0.0.5", HTTP_AUTHORIZATION="Bearer wrong").get("/metrics").status_code == 404
    )
    assert Client(REMOTE_ADDR="10.0.0.5").get("/metrics").status_code == 404
    resident = Client(REMOTE_ADDR="10.0.0.6")
    resident.force_login(User.objects.create_user("metrics-resident", password="x", role="resident"))
    assert resident.get("/metrics").status_code == 404
    staff = Client(REMOTE_ADDR="10.0.0.6")
    staff.force_login(User.objects.create_user("metrics-staff", password="x", is_staff=True))
    assert staff.get("/metrics").status_code == 200


def test_metrics_report_requests_queue_scan_lag_and_import_rows(db, monitor):
    actor = User.objects.create_user("metrics-importer", password="x")
    for status, rows in ((ImportStatus.APPLIED, 120), (ImportStatus.APPLIED, 30), (ImportStatus.FAILED, 7)):
        ImportBatch.objects.create(
            actor=actor, division_code="510108", filename="f.csv", status=status, good_rows=rows
        )
    Client().get("/healthz")
    body = monitor.get("/metrics").content.decode()
    assert "django_http_requests_total_by_method_total" in body
    assert 'shezhi_task_queue_depth{state="ready"} 0.0' in body
    assert "shezhi_task_queue_up 1.0" in body
    assert "shezhi_sla_scan_lag_seconds -1.0" in body  # never ran in this test
    assert 'shezhi_import_rows_total{state="applied"} 150.0' in body
    assert 'shezhi_import_rows_total{state="failed"} 7.0' in body
    assert 'shezhi_stuck_work{kind="lifecircle_runs"} 0.0' in body
