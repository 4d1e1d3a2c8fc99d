from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shezhi import __version__
from shezhi.accounts.models import User


def staff_client() -> Client:
    client = Client()
    client.force_login(User.objects.create_user("ops", password="x", is_staff=True))
    return client


def test_healthz_reports_database_tasks_and_version(db):
    body = staff_client().get("/healthz").json()
    assert body["version"] == __version__
    assert body["database"]["status"] == "ok"
    assert body["tasks"]["backend"] == "django_tasks_db.backend.DatabaseBackend"
    # Nobody has run a task yet: the worker is reported, not assumed.
    assert body["tasks"]["status"] == "worker_not_seen"
    assert body["status"] == "degraded"


def test_healthz_writes_nothing(db):
    """Neither an anonymous call nor a staff one writes to the database."""
    client = staff_client()
    for c in (Client(), client):
        with CaptureQueriesContext(connection) as queries:
            assert c.get("/healthz").status_code == 200
        writes = [
            q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        ]
        # The staff client's session may be touched by Django itself; nothing else.
        assert not [w for w in writes if "django_session" not in w], writes
    with CaptureQueriesContext(connection) as queries:
        Client().get("/healthz")
    assert len(queries) == 1  # SELECT 1


# The worker closes its database connection when it stops, which would end the rollback
# transaction of a plain `db` test; these run with real commits instead.
def test_the_clock_keeps_the_worker_seen(transactional_db):
    client = staff_client()
    call_command("cases_clock", "--once")  # enqueues the SLA scan and the heartbeat
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    body = client.get("/healthz").json()
    assert body["tasks"]["status"] == "ok"
    assert body["tasks"]["worker_last_seen"]
    assert body["tasks"]["sla_scan_last_success"]
    assert body["status"] == "ok"


def test_heartbeats_do_not_pile_up(transactional_db):
    from django_tasks_db.models import DBTaskResult

    for _ in range(12):
        call_command("cases_clock", "--once")
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    heartbeats = DBTaskResult.objects.filter(task_path="shezhi.common.tasks.heartbeat").count()
    assert heartbeats <= 6


def test_the_clock_does_not_pile_up_heartbeats_while_no_worker_runs(transactional_db):
    from django_tasks_db.models import DBTaskResult

    for _ in range(5):
        call_command("cases_clock", "--once")
    assert DBTaskResult.objects.filter(task_path="shezhi.common.tasks.heartbeat").count() == 1
