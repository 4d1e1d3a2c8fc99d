"""An opportunity list from publication to award to progress, every change on its timeline."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from shezhi.accounts.models import User
from shezhi.accounts.roles import Role
from shezhi.common.errors import AppError
from shezhi.participation import opportunities as op
from shezhi.participation.models import OpportunityStatus, OrganisationMember
from shezhi.people.models import Organisation

CRITERIA = [{"name": "方案可行性", "weight": 60}, {"name": "社区参与", "weight": 40}]


@pytest.fixture
def orgs(world):
    community = world.grid_a.community
    a = Organisation.objects.create(name="合成社工服务中心", kind="social_org", community=community)
    b = Organisation.objects.create(name="合成社区社会企业", kind="social_enterprise", community=community)
    other = User.objects.create_user(
        username="partner2", password="pw", role=Role.PARTNER, division=community
    )
    OrganisationMember.objects.create(user=world.paul, organisation=a)
    OrganisationMember.objects.create(user=other, organisation=b)
    return a, b, other


def test_publication_to_award_to_progress_on_one_timeline(world, orgs, time_machine):
    a, b, partner_b = orgs
    time_machine.move_to(dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC), tick=False)
    with pytest.raises(AppError, match="合计须为 100"):
        op.opportunity_create(
            actor=world.carol, title="x", kind="space", description="x", budget=Decimal(1),
            deadline=timezone.now() + dt.timedelta(days=1), criteria=[{"name": "a", "weight": 50}],
        )  # fmt: skip
    item = op.opportunity_create(
        actor=world.carol, title="（合成）闲置活动室运营", kind="space", description="二楼活动室",
        budget=Decimal("50000"), deadline=timezone.now() + dt.timedelta(days=10), criteria=CRITERIA,
    )  # fmt: skip
    with pytest.raises(AppError, match="征集期"):
        op.application_submit(
            opportunity=item, actor=world.paul, organisation_id=a.pk, proposal="p", budget=Decimal(1)
        )
    op.opportunity_publish(opportunity=item, actor=world.carol)
    app_a = op.application_submit(
        opportunity=item,
        actor=world.paul,
        organisation_id=a.pk,
        proposal="四点半课堂",
        budget=Decimal("40000"),
    )
    with pytest.raises(AppError, match="重复申报"):
        op.application_submit(
            opportunity=item, actor=world.paul, organisation_id=a.pk, proposal="再报", budget=Decimal(1)
        )
    with pytest.raises(AppError) as refused:
        op.application_submit(
            opportunity=item, actor=world.paul, organisation_id=b.pk, proposal="冒名", budget=Decimal(1)
        )
    assert refused.value.status == 403
    app_b = op.application_submit(
        opportunity=item, actor=partner_b, organisation_id=b.pk, proposal="社区咖啡", budget=Decimal("45000")
    )
    with pytest.raises(AppError, match="截止前"):
        op.review_start(opportunity=item, actor=world.carol)
    time_machine.move_to(item.deadline + dt.timedelta(minutes=1), tick=False)
    late = User.objects.create_user(username="late", password="pw", role=Role.PARTNER, division=a.community)
    OrganisationMember.objects.create(user=late, organisation=a)
    with pytest.raises(AppError) as refused:
        op.application_submit(
            opportunity=item, actor=late, organisation_id=a.pk, proposal="迟到", budget=Decimal(1)
        )
    assert refused.value.code == "deadline_passed"
    op.review_start(opportunity=item, actor=world.carol)
    second = User.objects.create_user(
        username="cw2", password="pw", role=Role.COMMUNITY_WORKER, division=a.community
    )
    op.review_submit(
        application=app_a, actor=world.carol, conflict=False, scores={"方案可行性": 90, "社区参与": 80}
    )
    op.review_submit(
        application=app_b, actor=world.carol, conflict=False, scores={"方案可行性": 70, "社区参与": 90}
    )
    op.review_submit(application=app_a, actor=second, conflict=True, conflict_note="其配偶为该机构理事")
    with pytest.raises(AppError, match="每项"):
        op.review_submit(
            application=app_b, actor=second, conflict=False, scores={"方案可行性": 70, "额外": 1}
        )
    op.review_submit(
        application=app_b, actor=second, conflict=False, scores={"方案可行性": 60, "社区参与": 60}
    )
    with pytest.raises(AppError, match="已评审"):
        op.review_submit(
            application=app_a, actor=world.carol, conflict=False, scores={"方案可行性": 1, "社区参与": 1}
        )
    assert op.weighted_score(app_a) == Decimal("86.00")  # the recused reviewer does not count
    assert op.weighted_score(app_b) == Decimal("69.00")  # (78 + 60) / 2
    op.award(opportunity=item, actor=world.carol, application=app_a)
    assert item.status == OpportunityStatus.AWARDED
    op.progress_report(opportunity=item, actor=world.paul, percent=30, body="已完成场地改造")
    with pytest.raises(AppError, match="倒退"):
        op.progress_report(opportunity=item, actor=world.paul, percent=20, body="x")
    with pytest.raises(AppError) as refused:
        op.progress_report(opportunity=item, actor=partner_b, percent=50, body="x")
    assert refused.value.status == 403
    op.progress_report(opportunity=item, actor=world.carol, percent=60, body="开课 12 次")
    timeline = [(e.kind, e.actor.username) for e in item.events.select_related("actor")]
    assert timeline == [
        ("created", "carol"),
        ("published", "carol"),
        ("applied", "paul"),
        ("applied", "partner2"),
        ("review_started", "carol"),
        ("reviewed", "carol"),
        ("reviewed", "carol"),
        ("recused", "cw2"),
        ("reviewed", "cw2"),
        ("awarded", "carol"),
        ("progress", "paul"),
        ("progress", "carol"),
    ]


def test_partners_apply_on_the_page_and_scores_show_only_after_award(world, orgs, time_machine):
    from django.test import Client

    a, b, partner_b = orgs
    time_machine.move_to(dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC), tick=False)
    item = op.opportunity_create(
        actor=world.carol, title="（合成）社区食堂", kind="project", description="助餐点运营",
        budget=Decimal("80000"), deadline=timezone.now() + dt.timedelta(days=5), criteria=CRITERIA,
    )  # fmt: skip
    partner = Client()
    partner.force_login(world.paul)
    assert partner.get(f"/participation/opportunities/{item.pk}/").status_code == 404  # a draft
    op.opportunity_publish(opportunity=item, actor=world.carol)
    url = f"/participation/opportunities/{item.pk}/"
    bad = partner.post(url, {"action": "apply", "organisation": a.pk, "proposal": "方案", "budget": "abc"})
    assert bad.status_code == 422
    partner.post(url, {"action": "apply", "organisation": a.pk, "proposal": "方案", "budget": "60000"})
    assert item.applications.count() == 1
    time_machine.move_to(item.deadline + dt.timedelta(hours=1), tick=False)
    desk = Client()
    desk.force_login(world.carol)
    desk.post(url, {"action": "review_start"})
    application = item.applications.get()
    form = {"action": "review", "application": application.pk, "conflict": "no"}
    desk.post(url, {**form, "score_方案可行性": "80", "score_社区参与": "70"})
    partner.force_login(world.paul)
    assert "76.00" not in partner.get(url).content.decode()
    desk.post(url, {"action": "award", "application": application.pk})
    page = partner.get(url).content.decode()
    assert "76.00" in page
    assert "确定承接方" in page


def test_the_desk_drafts_on_the_page_and_partners_apply_through_the_api(world, orgs, time_machine):
    from django.test import Client

    a, _b, _partner_b = orgs
    time_machine.move_to(dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC), tick=False)
    desk = Client()
    desk.force_login(world.carol)
    form = {"title": "（合成）口袋公园认养", "kind": "project", "description": "认养维护", "budget": "20000",
            "deadline": "2026-11-20T18:00", "criteria": "方案可行性:60\n社区参与:30"}  # fmt: skip
    refused = desk.post("/participation/opportunities/", form)
    assert refused.status_code == 422
    assert "合计须为 100" in refused.content.decode()
    created = desk.post("/participation/opportunities/", {**form, "criteria": "方案可行性:60\n社区参与:40"})
    assert created.status_code == 302
    item = op.opportunity_list(actor=world.carol).get(title="（合成）口袋公园认养")
    op.opportunity_publish(opportunity=item, actor=world.carol)
    partner = Client()
    partner.force_login(world.paul)
    url = f"/api/v1/participation/opportunities/{item.pk}/applications"
    body = {"organisation_id": a.pk, "proposal": "每月两次清扫", "budget": "15000"}
    assert partner.post(url, body, content_type="application/json").status_code == 201
    again = partner.post(url, body, content_type="application/json")
    assert again.status_code == 409
    detail = partner.get(f"/api/v1/participation/opportunities/{item.pk}").json()
    assert [e["kind"] for e in detail["timeline"]] == ["created", "published", "applied"]
