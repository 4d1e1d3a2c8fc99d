"""demo_cases gives every staff demo account real work in its own area, once."""

from __future__ import annotations

from shezhi.accounts.models import User
from shezhi.cases import selectors
from shezhi.cases.demo import ensure_account_work
from shezhi.cases.panel import action_groups
from shezhi.cases.workflow import OPEN_STATES
from shezhi.places.demo import ensure_demo_accounts


def test_every_staff_demo_account_has_work_it_can_act_on(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ensure_demo_accounts(password="demo-pass-x1")
    made = ensure_account_work()
    assert made >= 9
    assert ensure_account_work() == 0  # idempotent
    for username, expected in [
        ("grid", {"sign"}),
        ("community", {"approve"}),
        ("street", {"route", "dispatch", "whistle"}),
        ("district", {"decide"}),
    ]:
        user = User.objects.get(username=username)
        open_cases = selectors.case_list(actor=user).filter(state__in=list(OPEN_STATES))
        assert open_cases.exists(), username
        offered = set()
        for case in open_cases:
            for group in action_groups(case, user):
                offered |= {t.name for t in group.transitions} | set(group.extras)
        assert expected <= offered, (username, offered)
    grid = User.objects.get(username="grid")
    mine = selectors.case_list(actor=grid)
    assert mine.filter(self_handled=True, state="closed").exists()
    assert all(c.grid.path.startswith(grid.grid.path) for c in mine)
    resident = User.objects.get(username="resident")
    assert selectors.my_reports(actor=resident).filter(state="closed").exists()
