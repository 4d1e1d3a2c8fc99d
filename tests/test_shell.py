"""The shell: navigation per role, the 工作台, 附近服务, error pages and the favicon."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from shezhi.accounts.models import User
from shezhi.accounts.roles import Role
from shezhi.cases.models import Case
from shezhi.cases.workflow import OPEN_STATES, State
from shezhi.common.nav import nav_items, work_cards
from shezhi.lifecircle.models import CommunityResult, RunStatus, Walker
from shezhi.people.models import AccessLog, RevealField
from shezhi.people.nav import MANY_REVEALS_PER_DAY

pytestmark = pytest.mark.django_db

STAFF_ONLY = ("/places/", "/people/", "/lifecircle/runs", "/cases/kpis", "/cases/import", "/accounts/tokens")


def _client(user: User, language: str = "zh-hans") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _personas(world) -> list[User]:
    planner = User.objects.create_user(
        "pia", password="pw-pia", role=Role.PLANNER, division=world.street_x.parent, display_name="pia"
    )
    return [
        world.alice,
        world.carol,
        world.sam,
        world.dora,
        world.cate,
        world.audrey,
        world.rita,
        world.paul,
        planner,
    ]


def test_every_menu_link_of_every_role_opens(world):
    """No link of anyone's menu leads to a 403 or a 404, and home answers for every role."""
    for user in _personas(world):
        client = _client(user)
        assert client.get("/").status_code == 200, user.role
        for item in nav_items(user):
            url = urlsplit(item.url)
            path = url.path + (f"?{url.query}" if url.query else "")
            response = client.get(path)
            assert response.status_code == 200, f"{user.role}: {item.label} {path} → {response.status_code}"


def test_residents_and_partners_see_no_staff_menus(world):
    for user in (world.rita, world.paul):
        urls = [i.url for i in nav_items(user)]
        assert not [u for u in urls if u.startswith(STAFF_ONLY)], (user.role, urls)
        page = _client(user).get("/").content.decode()
        assert not [u for u in STAFF_ONLY if f'href="{u}' in page], user.role
    work = [i for i in nav_items(world.rita) if i.part != "account"]
    labels = [str(i.label) for i in sorted(work, key=lambda i: i.order)]
    assert labels[:2] == ["随手拍", "我的诉求"]
    assert "附近服务" in labels


def test_the_layout_has_no_coming_soon_and_marks_the_current_part(world):
    page = _client(world.sam).get("/cases/").content.decode()
    assert "即将上线" not in page
    assert re.search(r'<a href="/cases/" data-part="cases" class="active">', page)
    assert 'data-testid="sub-nav"' in page


def _rows(html: str) -> int:
    table = html.split('data-testid="case-list"', 1)[1].split("</table>", 1)[0]
    return len(re.findall(r'<tr class="sla-', table))


def test_desk_cards_count_the_rows_their_links_list(world):
    """Each count on the street desk's 工作台 is what the linked list shows, in its street only."""
    client = _client(world.sam)
    cards = [c for c in work_cards(world.sam) if c.part == "cases" and c.count is not None]
    assert {str(c.title) for c in cards} >= {"待签收", "待办理", "待审核", "即将超期", "已超期", "待回访"}
    for card in cards:
        html = client.get(card.url).content.decode()
        assert _rows(html) == card.count, f"{card.title}: card {card.count}, list {_rows(html)}"
    street = Case.objects.filter(division__code__startswith=world.street_x.prefix)
    by_title = {str(c.title): c.count for c in cards}
    assert by_title["待签收"] == street.filter(state=State.DISPATCHED).count()
    assert by_title["待回访"] == street.filter(state=State.CLOSED).count()
    assert sum(c.count or 0 for c in cards) > 0, "the seeded cases give the desk some work"


def test_grid_worker_cards_stay_in_their_grid(world):
    cards = {str(c.title): c for c in work_cards(world.alice)}
    assert cards["巡查上报"].tone == "action"
    mine = Case.objects.filter(
        grid__path__startswith=world.alice.grid.path, state__in=list(OPEN_STATES | {State.SUSPENDED})
    )
    assert cards["本网格在办工单"].count == mine.count()
    assert mine.count() > 0
    # Bob's case in the neighbouring grid, open or not, is not alice's work.
    theirs = Case.objects.exclude(grid__path__startswith=world.alice.grid.path).filter(
        division=world.grid_b.community
    )
    assert theirs.update(grid=world.grid_b, state=State.IN_PROGRESS) >= 1
    cards = {str(c.title): c for c in work_cards(world.alice)}
    assert cards["本网格在办工单"].count == mine.count()
    assert "本网格在办工单" not in {str(c.title) for c in work_cards(world.sam)}


def test_resident_home_shows_walking_minutes_from_the_evaluation(world):
    row = (
        CommunityResult.objects.filter(
            community=world.rita.division, run__status=RunStatus.DONE, run__walker=Walker.ADULT
        )
        .order_by("-run__finished_at")
        .first()
    )
    assert row is not None, "the test data evaluates the demo district"
    html = _client(world.rita).get("/").content.decode()
    nearby = html.split('data-testid="nearby"', 1)[1]
    walk = row.values["health_station"]["mean_walk_m"]
    minutes = max(1, round(walk / row.run.speed_mps / 60))
    assert "社区卫生服务站" in nearby
    assert re.search(rf"社区卫生服务站.*?{minutes} 分钟", nearby, re.S)
    assert world.rita.division.name in nearby  # says which community the figures are for
    assert html.index("随手拍") < html.index('data-testid="nearby"')


def test_auditor_sees_one_user_reading_too_much(world):
    for i in range(MANY_REVEALS_PER_DAY):
        AccessLog.objects.create(
            actor=world.carol,
            subject=f"张*{i}",
            field=RevealField.ID_NUMBER,
            reason="核对",
            division_code=world.carol.division.code,
        )
    cards = [c for c in work_cards(world.audrey) if c.tone == "danger"]
    assert any("carol" in str(c.title) and c.count == MANY_REVEALS_PER_DAY for c in cards), cards
    assert any("actor=carol" in c.url for c in cards)
    assert not [c for c in work_cards(world.sam) if "carol" in str(c.title)]


@pytest.mark.parametrize(
    ("language", "title", "back"),
    [("zh-hans", "页面不存在", "返回工作台"), ("en", "Page not found", "Back to the workbench")],
)
def test_404_is_branded_in_the_users_language_with_a_way_back(world, language, title, back):
    response = _client(world.sam, language).get("/places/grids/no-such-grid/")
    assert response.status_code == 404
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert title in html
    assert back in html
    assert 'class="topbar"' in html
    assert 'rel="icon"' in html


def test_403_is_branded(world):
    response = _client(world.sam).get("/people/residents/new/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "无权访问" in html
    assert "返回工作台" in html


def test_favicon_is_served_by_the_platform(client):
    """At the root (WhiteNoise's root directory), and the SVG one the pages link to."""
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert finders.find("shezhi/favicon.svg")
