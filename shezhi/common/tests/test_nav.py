from types import SimpleNamespace

from shezhi.common import nav
from shezhi.common.nav import NavItem, WorkCard


def test_anonymous_users_get_no_navigation_and_no_work():
    anonymous = SimpleNamespace(is_authenticated=False)
    assert nav.nav_items(anonymous) == []
    assert nav.work_cards(anonymous) == []


def test_items_of_every_app_come_back_by_part_then_order(monkeypatch):
    def hooks(name):
        if name == "nav_items":
            yield lambda user: [NavItem("cases", "接诉即办", "/cases/", order=1)]
            yield lambda user: [
                NavItem("base", "居民", "/people/", order=9),
                NavItem("base", "网格", "/g/", order=2),
            ]
        else:
            yield lambda user: [
                WorkCard("cases", "已超期", "/cases/?sla=overdue", count=user.n, tone="danger")
            ]

    monkeypatch.setattr(nav, "_app_hooks", hooks)
    user = SimpleNamespace(is_authenticated=True, n=3)
    assert [i.url for i in nav.nav_items(user)] == ["/g/", "/people/", "/cases/"]
    assert nav.work_cards(user)[0].count == 3
