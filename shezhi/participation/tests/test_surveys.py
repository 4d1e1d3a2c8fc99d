"""Surveys: one response per resident (the dedup key, anonymous included), conditional questions."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from shezhi.accounts.models import User
from shezhi.accounts.roles import Role
from shezhi.common.errors import AppError
from shezhi.participation import surveys
from shezhi.participation.models import Survey, SurveyQuestion, SurveyResponse


def make_survey(world, *, anonymous=True):
    survey = Survey.objects.create(
        title="（合成）小区环境满意度", division=world.grid_a.community, anonymous=anonymous,
        satisfaction=True, closes_at=timezone.now() + dt.timedelta(days=7),
    )  # fmt: skip
    SurveyQuestion.objects.create(survey=survey, order=1, text="您对小区环境满意吗", kind="rating")
    SurveyQuestion.objects.create(
        survey=survey, order=2, text="是否使用过社区食堂", kind="single", options=["是", "否"]
    )
    SurveyQuestion.objects.create(
        survey=survey, order=3, text="您对社区食堂的意见", kind="multi", options=["价格", "口味", "卫生"],
        show_if={"question": 2, "equals": "是"},
    )  # fmt: skip
    return survey


def test_an_anonymous_survey_takes_one_response_per_resident(world):
    survey = make_survey(world)
    surveys.survey_answer(survey=survey, actor=world.rita, answers={"1": "4", "2": "是", "3": ["价格"]})
    with pytest.raises(AppError) as refused:
        surveys.survey_answer(survey=survey, actor=world.rita, answers={"1": "5", "2": "否"})
    assert refused.value.code == "already_answered"
    response = SurveyResponse.objects.get(survey=survey)
    assert response.respondent is None  # who answered is not stored
    assert response.dedup_key == surveys.dedup_key(survey, world.rita)
    assert response.dedup_key != surveys.dedup_key(survey, world.paul)
    other = User.objects.create_user(
        username="r2", password="pw", role=Role.RESIDENT, division=world.grid_a.community
    )
    surveys.survey_answer(survey=survey, actor=other, answers={"1": 2, "2": "否"})
    assert survey.responses.count() == 2
    named = make_survey(world, anonymous=False)
    surveys.survey_answer(survey=named, actor=world.rita, answers={"1": 3, "2": "否"})
    assert named.responses.get().respondent == world.rita
    rows = surveys.results(survey)
    assert rows[0]["mean"] == 3.0
    assert rows[1]["counts"] == [("是", 1), ("否", 1)]
    assert rows[2]["counts"] == [("价格", 1), ("口味", 0), ("卫生", 0)]


def test_conditional_and_bad_answers_are_refused(world):
    survey = make_survey(world)
    for answers, reason in [
        ({"1": 4, "2": "否", "3": ["价格"]}, "不适用"),
        ({"2": "是"}, "必答"),
        ({"1": 9, "2": "否"}, "1–5"),
        ({"1": 4, "2": "也许"}, "选项无效"),
        ({"1": 4, "2": "否", "7": "x"}, "没有的问题"),
    ]:
        with pytest.raises(AppError, match=reason):
            surveys.survey_answer(survey=survey, actor=world.rita, answers=answers)
    assert not survey.responses.exists()


def test_the_survey_page_refuses_a_second_answer(world):
    survey = make_survey(world)
    client = Client()
    client.force_login(world.rita)
    url = f"/participation/surveys/{survey.pk}/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"q1": "5", "q2": "否"}).status_code == 302
    again = client.post(url, {"q1": "5", "q2": "否"})
    assert again.status_code == 409
    assert "不能重复提交" in again.content.decode()
    desk = Client()
    desk.force_login(world.carol)
    assert "5.0" in desk.get(url).content.decode()
