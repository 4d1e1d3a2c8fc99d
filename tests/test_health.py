from django.core.management import call_command
from django.test import Client

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
    # Nobody has run the heartbeat yet: the worker is reported, not assumed.
    assert body["tasks"]["status"] == "worker_not_seen"
    assert body["status"] == "degraded"


# The worker closes its database connection when it stops, which would end the rollback
# transaction of a plain `db` test; these run with real commits instead.
def test_healthz_sees_a_worker_that_ran_the_heartbeat(transactional_db):
    client = staff_client()
    client.get("/healthz")  # enqueues a heartbeat
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    body = client.get("/healthz").json()
    assert body["tasks"]["status"] == "ok"
    assert body["tasks"]["worker_last_seen"]
    assert body["status"] == "ok"


def test_heartbeats_do_not_pile_up(transactional_db):
    from django_tasks_db.models import DBTaskResult

    client = staff_client()
    for _ in range(12):
        client.get("/healthz")
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert DBTaskResult.objects.count() <= 6
