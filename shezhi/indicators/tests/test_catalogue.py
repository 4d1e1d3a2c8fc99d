"""Bad input is refused with a reason: formulas, versions, targets, weights, entries, approvals."""

import datetime as dt

import pytest

from shezhi.common.errors import AppError
from shezhi.indicators import services
from shezhi.indicators.models import EnteredState, Indicator

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def _refused(fn, code):
    with pytest.raises(AppError) as exc:
        fn()
    assert exc.value.code == code, exc.value.as_dict()
    return exc.value


@pytest.mark.django_db
def test_default_set_covers_the_seven_scenarios(catalogue):
    assert set(Indicator.objects.values_list("scenario", flat=True)) == {
        "service",
        "culture",
        "ecology",
        "space",
        "industry",
        "governance",
        "smart",
    }
    assert services.seed_defaults() == 0  # idempotent


@pytest.mark.django_db
def test_formula_refusals(catalogue):
    gov2 = Indicator.objects.get(code="GOV-02")
    publish = lambda text: services.formula_publish(  # noqa: E731
        gov2, text=text, effective_from=dt.date(2030, 1, 1), actor=None
    )
    err = _refused(lambda: publish("100 * cases.nonsense / cases.accepted"), "unknown_measure")
    assert "cases.nonsense" in err.message_zh
    _refused(lambda: publish("cases.closed + people.households"), "unit_mismatch")
    _refused(
        lambda: publish("1000 * cases.closed / people.households"), "unit_mismatch"
    )  # ‰ per household ≠ %
    _refused(lambda: publish("#{GOV-02}"), "cycle")
    _refused(lambda: publish("100 * cases.closed / 0"), "div_zero")
    _refused(lambda: publish("__import__('os').system('x')"), "syntax")
    # A cycle through two indicators.
    gov1 = Indicator.objects.get(code="GOV-01")
    services.formula_publish(gov1, text="#{GOV-02}", effective_from=dt.date(2030, 1, 1), actor=None)
    _refused(lambda: publish("#{GOV-01}"), "cycle")


@pytest.mark.django_db
def test_versions_have_effective_dates_and_never_rewrite_history(catalogue):
    ind = Indicator.objects.get(code="GOV-02")
    v1 = ind.formulas.get()
    v2 = services.formula_publish(
        ind,
        text="100 * cases.closed_on_time / cases.accepted",
        effective_from=dt.date(2026, 7, 1),
        actor=None,
    )
    v1.refresh_from_db()
    assert v1.effective_to == dt.date(2026, 6, 30)
    assert ind.current_formula(dt.date(2025, 12, 31)) == v1
    assert ind.current_formula(dt.date(2026, 12, 31)) == v2
    _refused(
        lambda: services.formula_publish(
            ind, text="100 * cases.closed / cases.accepted", effective_from=dt.date(2026, 1, 1), actor=None
        ),
        "effective_from",
    )


@pytest.mark.django_db
def test_targets_in_the_wrong_unit(catalogue):
    ind = Indicator.objects.get(code="GOV-02")
    _refused(lambda: services.target_check(ind, 95, "per_1000hh", "target_2025"), "unit")
    _refused(lambda: services.target_check(ind, 120, None, "target_2025"), "range")
    services.target_check(ind, 95, "percent", "target_2025")


@pytest.mark.django_db
def test_weights_must_sum_to_one(catalogue, world):
    run = services.run_execute(services.run_start(area=world.street_x, period="2026", actor=None).pk)
    make = lambda w, n="minmax", a="arithmetic": services.ranking_create(  # noqa: E731
        name="x",
        area=world.street_x,
        run=run,
        weights=w,
        normalisation=n,
        aggregation=a,
        actor=None,
        draws=10,
    )
    err = _refused(lambda: make({"SVC-02": 0.5, "SVC-03": 0.4}), "weights")
    assert "0.9000" in err.message_zh
    _refused(lambda: make({"SVC-02": 0.5, "NOPE-1": 0.5}), "weights")
    _refused(lambda: make({"SVC-02": 0.5, "SVC-03": 0.5}, "zscore", "geometric"), "normalisation")
    _refused(lambda: make({"SVC-02": 0.5, "SVC-06": 0.5}), "no_values")


@pytest.mark.django_db
def test_entered_values_need_evidence_range_and_ordered_approval(catalogue, world):
    ind = Indicator.objects.get(code="SMT-02")
    c = world.grid_a.community
    submit = lambda value, evidence: services.entered_submit(  # noqa: E731
        actor=world.carol,
        indicator=ind,
        area=c,
        period="2026",
        value=value,
        evidence=evidence,
        evidence_name="e.png",
    )
    err = _refused(lambda: submit(3, None), "evidence")
    assert err.problems[0].field == "evidence"
    _refused(lambda: submit(3, b"MZ not a pdf"), "evidence")
    _refused(lambda: submit(5000, PNG), "range")
    _refused(
        lambda: services.entered_submit(
            actor=world.carol,
            indicator=Indicator.objects.get(code="GOV-01"),
            area=c,
            period="2026",
            value=3,
            evidence=PNG,
            evidence_name="e.png",
        ),
        "not_entered",
    )
    entry = submit(3, PNG)
    # The street may not approve before the community; the district not before the street.
    _refused(lambda: services.entered_review(actor=world.sam, entry=entry, approve=True), "out_of_order")
    _refused(lambda: services.entered_review(actor=world.dora, entry=entry, approve=True), "out_of_order")
    _refused(lambda: services.entered_review(actor=world.alice, entry=entry, approve=True), "forbidden")
    services.entered_review(actor=world.carol, entry=entry, approve=True)
    services.entered_review(actor=world.sam, entry=entry, approve=True)
    _refused(lambda: services.entered_review(actor=world.tina, entry=entry, approve=True), "forbidden")
    entry = services.entered_review(actor=world.dora, entry=entry, approve=True)
    assert entry.state == EnteredState.DISTRICT
    assert [a.level for a in entry.approvals.all()] == ["community", "street", "district"]
    run = services.run_execute(services.run_start(area=world.street_x, period="2026", actor=None).pk)
    v = run.values.get(indicator=ind, area=c)
    assert v.value == 3
    assert v.entered_id == entry.pk
