"""Writes of the indicators part: formulas, computations, entered values, rankings."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from array import array
from collections import defaultdict
from typing import Any

import numpy as np
from django.db import connection, models, transaction
from django.utils import timezone

from shezhi.accounts.models import User
from shezhi.accounts.roles import PREFIX_LENGTH, DivisionLevel, Role
from shezhi.common.errors import AppError, Problem
from shezhi.indicators import composite, formula, units
from shezhi.indicators.defaults import DEFAULT_INDICATORS
from shezhi.indicators.measures import REGISTRY, Cell, Period
from shezhi.indicators.measures import batch as measures_batch
from shezhi.indicators.measures import compute as measure_compute
from shezhi.indicators.models import (
    APPROVAL_CHAIN,
    Aggregation,
    Approval,
    AreaLevel,
    ComputationRun,
    EnteredState,
    EnteredValue,
    FormulaVersion,
    Indicator,
    IndicatorValue,
    Normalisation,
    Ranking,
    RankingEntry,
    RunStatus,
    SourceKind,
)
from shezhi.places.models import Division

#: Roles that maintain the catalogue, compute, and publish rankings.
MANAGERS = frozenset({Role.CITY_ADMIN, Role.DISTRICT_STAFF})
#: Roles that read indicator values and rankings (staff; residents and partners do not).
READERS = frozenset(
    {
        Role.CITY_ADMIN,
        Role.DISTRICT_STAFF,
        Role.STREET_STAFF,
        Role.COMMUNITY_WORKER,
        Role.GRID_WORKER,
        Role.PLANNER,
        Role.AUDITOR,
    }
)
LEVEL_OF = {
    DivisionLevel.COMMUNITY: AreaLevel.COMMUNITY,
    DivisionLevel.STREET: AreaLevel.STREET,
    DivisionLevel.DISTRICT: AreaLevel.DISTRICT,
    DivisionLevel.CITY: AreaLevel.CITY,
}


def can_read(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        user.is_superuser or getattr(user, "role", None) in READERS
    )


def can_manage(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        user.is_superuser or getattr(user, "role", None) in MANAGERS
    )


def _refuse(code: str, zh: str, en: str, field: str | None = None, status: int = 422) -> AppError:
    return AppError.from_problems([Problem(code, zh, en, field)], status=status)


# ----------------------------------------------------------------------------- formulas


def _ref_dim(code: str) -> units.Dim:
    ind = Indicator.objects.filter(code=code).first()
    if ind is None:
        raise formula.FormulaError("unknown_indicator", f"未知的指标 {code}", f"unknown indicator {code}")
    return units.UNIT_DIM[ind.unit]


def _measure_dim(name: str) -> units.Dim:
    measure = REGISTRY.get(name)
    if measure is None:
        raise formula.FormulaError("unknown_measure", f"未知的度量 {name}", f"unknown measure {name}")
    return measure.unit


def _graph(replace: tuple[str, set[str]] | None = None) -> dict[str, set[str]]:
    """References of every version in force now or later (a future version counts too)."""
    graph: dict[str, set[str]] = defaultdict(set)
    today = timezone.localdate()
    live = FormulaVersion.objects.filter(
        models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=today)
    )
    for code, ast in live.values_list("indicator__code", "ast"):
        graph[code] |= formula.refs_of(ast)
    if replace:
        graph[replace[0]] = replace[1]
    return graph


def formula_check(indicator: Indicator, text: str) -> dict[str, Any]:
    """The AST of ``text`` for ``indicator``, or an AppError naming the reason (field ``text``)."""
    try:
        ast = formula.parse(text)
        if indicator.code in formula.refs_of(ast):
            raise formula.FormulaError(
                "cycle", "公式引用了指标自身", "the formula refers to its own indicator"
            )
        got = formula.dimension(ast, _measure_dim, _ref_dim)
        want = units.UNIT_DIM[indicator.unit]
        if got != want:
            g, w = units.describe(got), units.describe(want)
            raise formula.FormulaError(
                "unit_mismatch",
                f"公式的单位为 {g}，指标单位为 {indicator.get_unit_display()}（{w}）",
                f"the formula is in {g}, the indicator in {indicator.unit} ({w})",
            )
        cycle = formula.find_cycle(_graph((indicator.code, formula.refs_of(ast))))
        if cycle:
            path = " → ".join(cycle)
            raise formula.FormulaError(
                "cycle", f"指标之间循环引用：{path}", f"indicators refer to each other in a cycle: {path}"
            )
    except formula.FormulaError as exc:
        raise _refuse(exc.code, exc.zh, exc.en, "text") from exc
    return ast


@transaction.atomic
def formula_publish(
    indicator: Indicator, *, text: str, effective_from: dt.date, actor: User | None, note: str = ""
) -> FormulaVersion:
    """A new formula version from ``effective_from``; the one before it ends the day before.

    A version may not start on or before the start of the current one: history is never
    rewritten, values of earlier periods keep their version."""
    if indicator.source != SourceKind.COMPUTED:
        raise _refuse("entered", "填报类指标没有公式", "an entered indicator has no formula", "text")
    ast = formula_check(indicator, text)
    last = indicator.formulas.select_for_update().order_by("-number").first()
    if last is not None and effective_from <= last.effective_from:
        raise _refuse(
            "effective_from",
            f"新版本的生效日期须晚于现行版本（{last.effective_from}）",
            f"a new version must take effect after the current one ({last.effective_from})",
            "effective_from",
        )
    if last is not None:
        FormulaVersion.objects.filter(pk=last.pk).update(effective_to=effective_from - dt.timedelta(days=1))
    return FormulaVersion.objects.create(
        indicator=indicator,
        number=(last.number + 1) if last else 1,
        text=formula.render(ast),
        ast=ast,
        effective_from=effective_from,
        note=note,
        created_by=actor,
    )


def target_check(indicator: Indicator, value: float | None, unit: str | None, field: str) -> None:
    """A target is a number in the indicator's unit (percentages within 0–100)."""
    if value is None:
        return
    if unit is not None and unit != indicator.unit:
        raise _refuse(
            "unit",
            f"目标单位须为{indicator.get_unit_display()}",
            f"the target must be in the indicator's unit ({indicator.unit}), not {unit}",
            field,
        )
    if indicator.unit in units.BOUNDED_0_100 and not 0 <= value <= 100:
        raise _refuse("range", "百分比目标须在 0–100 之间", "a percentage target must be within 0–100", field)


def seed_defaults(actor: User | None = None) -> int:
    """Create the documented default set (idempotent: existing codes are left as they are)."""
    created = 0
    with transaction.atomic():
        for spec in DEFAULT_INDICATORS:
            spec = dict(spec)
            text = spec.pop("formula")
            ind, new = Indicator.objects.get_or_create(code=spec["code"], defaults=spec)
            if new:
                created += 1
            if ind.source == SourceKind.COMPUTED and not ind.formulas.exists():
                formula_publish(
                    ind, text=text, effective_from=dt.date(2020, 1, 1), actor=actor, note="默认指标集 v1"
                )
    return created


# ----------------------------------------------------------------------------- computation


def _digest(parts: list[tuple[str, float, list[int]]]) -> str:
    """SHA-256 over each (measure, value, sorted row ids), measures in name order: the name and
    value as text, then the ids as 64-bit little-endian integers."""
    h = hashlib.sha256()
    for name, value, rows in sorted(parts, key=lambda p: p[0]):
        h.update(f"{name}\x1f{round(value, 9)!r}\x1f{len(rows)}\x1e".encode())
        h.update(array("q", sorted(rows)).tobytes())
    return h.hexdigest()


def _period_date(period: Period) -> dt.date:
    """The day whose formula version applies: the period's last day, or today in the current one."""
    return min(period.end.date() - dt.timedelta(days=1), timezone.localdate())


def run_start(*, area: Division, period: str, actor: User | None) -> ComputationRun:
    try:
        Period.parse(period)
    except ValueError as exc:
        raise _refuse(
            "period", "期间须为年份，如 2025", "the period must be a year such as 2025", "period"
        ) from exc
    return ComputationRun.objects.create(area=area, period=period, created_by=actor)


def run_execute(run_id: int) -> ComputationRun:
    """Compute every active indicator for the run's area, its communities and the areas
    between, storing each value with its formula version, digest and source rows."""
    run = ComputationRun.objects.select_related("area").get(pk=run_id)
    t0 = time.perf_counter()
    ComputationRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    try:
        count = _compute(run)
    except Exception as exc:
        ComputationRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error=str(exc)[:300])
        raise
    ComputationRun.objects.filter(pk=run.pk).update(
        status=RunStatus.DONE,
        values_count=count,
        seconds=round(time.perf_counter() - t0, 3),
        finished_at=timezone.now(),
    )
    run.refresh_from_db()
    return run


def _compute(run: ComputationRun) -> int:
    period = Period.parse(run.period)
    prefix = run.area.prefix
    on = _period_date(period)
    divisions = list(
        Division.objects.filter(code__startswith=prefix)
        .exclude(level=DivisionLevel.PROVINCE)
        .values_list("pk", "code", "level")
    )
    communities = [(pk, code) for pk, code, level in divisions if level == DivisionLevel.COMMUNITY]
    upper = [(pk, code, level) for pk, code, level in divisions if level != DivisionLevel.COMMUNITY]
    indicators = list(Indicator.objects.filter(active=True))
    versions = {i.code: i.current_formula(on) for i in indicators}
    by_code = {i.code: i for i in indicators}
    graph = {c: formula.refs_of(v.ast) if v else set() for c, v in versions.items()}
    ordered = formula.order(graph)
    measure_names = {c: sorted(formula.measures_of(v.ast)) if v else [] for c, v in versions.items()}
    names = sorted({m for v in versions.values() if v for m in formula.measures_of(v.ast)})
    # Resolve each measure once (a family's parameters are read from the database).
    resolved = {name: REGISTRY.get(name) for name in names}
    cells: dict[str, dict[str, Cell]] = {}
    with measures_batch():
        for name, measure in resolved.items():
            cells[name] = measure_compute(measure, period, prefix) if measure else {}
    entered = _approved_entries(run.area, run.period)
    upper_lengths = sorted({PREFIX_LENGTH[level] for _pk, _code, level in upper})
    summed: dict[str, dict[str, Cell]] = {}

    def aggregates(name: str) -> dict[str, Cell]:
        """prefix of every area above the community → the sum of its communities' cells."""
        if name not in summed:
            out: dict[str, Cell] = {}
            for code, cell in cells[name].items():
                for n in upper_lengths:
                    agg = out.setdefault(code[:n], Cell())
                    agg.value += cell.value
                    agg.rows.extend(cell.rows)
            summed[name] = out
        return summed[name]

    values: list[IndicatorValue] = []

    def area_values(area_pk: int, code: str, level: str, is_community: bool) -> None:
        own: dict[str, float | formula.Missing] = {}
        aggregate_prefix = code[: PREFIX_LENGTH[level]]

        def measure_value(name: str) -> float | formula.Missing:
            measure = resolved.get(name)
            if measure is None or measure.pending:
                return formula.Missing("暂无数据来源", "no source yet")
            if is_community:
                cell = cells[name].get(code)
                if cell is None:
                    return (
                        Cell().value
                        if measure.zero_when_absent
                        else formula.Missing("无来源数据", "no source rows")
                    )
                return cell.value
            agg = aggregates(name).get(aggregate_prefix)
            if agg is None:
                if not measure.zero_when_absent:
                    return formula.Missing("无来源数据", "no source rows")
                return 0.0
            return agg.value

        for ind_code in ordered:
            ind = by_code[ind_code]
            version = versions[ind_code]
            sources: dict[str, Any] = {}
            entry = None
            if ind.source == SourceKind.ENTERED:
                entry = entered.get((ind.pk, code))
                result: float | formula.Missing = (
                    entry.value if entry else formula.Missing("尚无审核生效的填报", "no approved entry yet")
                )
                digest_parts = [("entered", entry.value, [entry.pk])] if entry else []
                if entry:
                    sources["entered"] = {
                        "source": "indicators.EnteredValue",
                        "value": entry.value,
                        "rows": [entry.pk],
                    }
            elif version is None:
                result, digest_parts = formula.Missing("无生效公式", "no formula in force"), []
            else:
                result = formula.evaluate(
                    version.ast,
                    measure_value,
                    lambda r: own.get(
                        r, formula.Missing("引用指标无值", "referenced indicator has no value")
                    ),
                )
                digest_parts = []
                for name in measure_names[ind_code]:
                    measure = resolved.get(name)
                    if is_community:
                        cell = cells[name].get(code)
                        v, rows = (cell.value, cell.rows) if cell else (0.0, [])
                    else:
                        agg = aggregates(name).get(aggregate_prefix) or Cell()
                        v, rows = agg.value, []
                        digest_parts.append((name + "#rows", 0.0, agg.rows))
                    sources[name] = {"source": measure.source if measure else "", "value": v, "rows": rows}
                    digest_parts.append((name, v, rows))
            own[ind_code] = result
            missing = isinstance(result, formula.Missing)
            values.append(
                (
                    run.pk,
                    ind.pk,
                    version.pk if version is not None and ind.source == SourceKind.COMPUTED else None,
                    entry.pk if entry else None,
                    area_pk,
                    LEVEL_OF[level].value,
                    run.period,
                    None if missing else round(float(result), 6),
                    result.zh if missing else "",
                    result.en if missing else "",
                    _digest(digest_parts),
                    json.dumps(sources, ensure_ascii=False, separators=(",", ":")),
                )
            )

    for pk, code in communities:
        area_values(pk, code, DivisionLevel.COMMUNITY, True)
    for pk, code, level in upper:
        area_values(pk, code, level, False)
    _insert_values(values)
    return len(values)


_VALUE_COLUMNS = (
    "run_id", "indicator_id", "formula_id", "entered_id", "area_id", "level", "period", "value",
    "missing_zh", "missing_en", "digest", "sources",
)  # fmt: skip


def _insert_values(rows: list[tuple]) -> None:
    """Insert computed values in batches of one prepared statement (``executemany``): the
    ORM's per-field preparation of ~100,000 model instances costs more than the computation."""
    table = connection.ops.quote_name(IndicatorValue._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _VALUE_COLUMNS)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(_VALUE_COLUMNS))})"
    with transaction.atomic(), connection.cursor() as cursor:
        for i in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[i : i + 5000])


def _approved_entries(area: Division, period: str) -> dict[tuple[int, str], EnteredValue]:
    out: dict[tuple[int, str], EnteredValue] = {}
    rows = (
        EnteredValue.objects.filter(
            area__code__startswith=area.prefix, period=period, state=EnteredState.DISTRICT
        )
        .select_related("area")
        .order_by("pk")
    )
    for e in rows:
        out[(e.indicator_id, e.area.code)] = e  # the latest approved entry wins
    return out


# ----------------------------------------------------------------------------- entered values

EVIDENCE_TYPES = {b"%PDF": "application/pdf", b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg"}
MAX_EVIDENCE = 5 * 1024 * 1024


def evidence_type(evidence: bytes, problems: list[Problem]) -> str | None:
    """The content type of an evidence file (PDF, PNG or JPEG, by its first bytes), or None
    with the reason appended to ``problems``: missing, over 5 MB, or another kind of file."""
    if not evidence:
        problems.append(
            Problem(
                "evidence",
                "须上传佐证材料（PDF、PNG 或 JPEG）",
                "evidence is required (PDF, PNG or JPEG)",
                "evidence",
            )
        )
        return None
    if len(evidence) > MAX_EVIDENCE:
        problems.append(
            Problem("evidence", "佐证材料不得超过 5 MB", "evidence may not exceed 5 MB", "evidence")
        )
        return None
    kind = next((t for magic, t in EVIDENCE_TYPES.items() if evidence.startswith(magic)), None)
    if kind is None:
        problems.append(
            Problem(
                "evidence",
                "佐证材料须为 PDF、PNG 或 JPEG",
                "evidence must be a PDF, PNG or JPEG file",
                "evidence",
            )
        )
    return kind


def entered_submit(
    *,
    actor: User,
    indicator: Indicator,
    area: Division,
    period: str,
    value: float,
    evidence: bytes | None,
    evidence_name: str,
    note: str = "",
) -> EnteredValue:
    problems = []
    if indicator.source != SourceKind.ENTERED:
        problems.append(
            Problem(
                "not_entered",
                "该指标由平台计算，不接受填报",
                "this indicator is computed, not entered",
                "indicator",
            )
        )
    if area.level != DivisionLevel.COMMUNITY:
        problems.append(Problem("level", "填报须针对社区", "values are entered for a community", "area"))
    try:
        Period.parse(period)
    except ValueError:
        problems.append(
            Problem("period", "期间须为年份，如 2025", "the period must be a year such as 2025", "period")
        )
    lo, hi = indicator.plausible_min, indicator.plausible_max
    if indicator.unit in units.BOUNDED_0_100:
        lo, hi = max(lo if lo is not None else 0, 0), min(hi if hi is not None else 100, 100)
    if not np.isfinite(value) or (lo is not None and value < lo) or (hi is not None and value > hi):
        problems.append(
            Problem(
                "range",
                f"数值超出合理范围（{lo}–{hi}）",
                f"the value is outside the plausible range ({lo}–{hi})",
                "value",
            )
        )
    kind = evidence_type(evidence, problems)
    if problems:
        raise AppError.from_problems(problems)
    return EnteredValue.objects.create(
        indicator=indicator,
        area=area,
        period=period,
        value=value,
        note=note[:300],
        evidence_name=(evidence_name or "evidence")[:120],
        evidence_type=kind,
        evidence_sha256=hashlib.sha256(evidence).hexdigest(),
        evidence=evidence,
        created_by=actor,
    )


_APPROVER_LEVEL = {
    Role.COMMUNITY_WORKER: AreaLevel.COMMUNITY,
    Role.STREET_STAFF: AreaLevel.STREET,
    Role.DISTRICT_STAFF: AreaLevel.DISTRICT,
}


@transaction.atomic
def entered_review(*, actor: User, entry: EnteredValue, approve: bool, note: str = "") -> EnteredValue:
    """Approve (or send back) an entry at the actor's level; each level only after the one
    below it (community → street → district). Out of order is refused."""
    entry = EnteredValue.objects.select_for_update().get(pk=entry.pk)
    level = _APPROVER_LEVEL.get(Role(actor.role))
    if level is None or not EnteredValue.objects.visible_to(actor).filter(pk=entry.pk).exists():
        raise AppError("无权审核此填报", "you may not review this entry", status=403, code="forbidden")
    step = next(s for s in APPROVAL_CHAIN if s[0] == level)
    if entry.state != step[1]:
        raise AppError(
            f"审核顺序不符：当前状态为“{entry.get_state_display()}”，{dict(AreaLevel.choices)[level]}级不能审核",
            f"out of order: the entry is '{entry.state}', the {level} level cannot review it now",
            status=409,
            code="out_of_order",
        )
    entry.state = step[2] if approve else EnteredState.REJECTED
    entry.save(update_fields=["state"])
    Approval.objects.create(entered=entry, level=level, approved=approve, by=actor, note=note[:200])
    return entry


# ----------------------------------------------------------------------------- rankings


def ranking_create(
    *,
    name: str,
    area: Division,
    run: ComputationRun,
    weights: dict[str, float],
    normalisation: str,
    aggregation: str,
    actor: User | None,
    draws: int = 1000,
    spread: float = 0.25,
    seed: int = 20250101,
) -> Ranking:
    """A new version of the ranking ``name`` (draft), its entries and their uncertainty."""
    problems = []
    if normalisation not in Normalisation.values:
        problems.append(
            Problem("normalisation", "未知的标准化方法", "unknown normalisation", "normalisation")
        )
    if aggregation not in Aggregation.values:
        problems.append(Problem("aggregation", "未知的合成方法", "unknown aggregation", "aggregation"))
    elif normalisation not in composite.allowed_methods(aggregation):
        problems.append(
            Problem(
                "normalisation",
                "几何平均不能与 Z 分数标准化同用",
                "geometric aggregation cannot use z-scores",
                "normalisation",
            )
        )
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=list(weights))}
    unknown = sorted(set(weights) - set(indicators))
    if unknown:
        problems.append(
            Problem(
                "weights",
                f"未知的指标：{'、'.join(unknown)}",
                f"unknown indicators: {', '.join(unknown)}",
                "weights",
            )
        )
    w = np.array([float(weights[c]) for c in sorted(weights)], dtype=float) if weights else np.array([])
    if not len(w) or not np.isfinite(w).all() or (w < 0).any():
        problems.append(
            Problem("weights", "权重须为非负数", "weights must be non-negative numbers", "weights")
        )
    elif abs(w.sum() - 1) > 1e-6:
        problems.append(
            Problem(
                "weights",
                f"权重之和须为 1（现为 {w.sum():.4f}）",
                f"weights must sum to 1 (they sum to {w.sum():.4f})",
                "weights",
            )
        )
    if not 1 <= draws <= 10000:
        problems.append(
            Problem("draws", "抽样次数须在 1–10000 之间", "draws must be within 1–10000", "draws")
        )
    if run.status != RunStatus.DONE or not area.code.startswith(run.area.prefix):
        problems.append(
            Problem(
                "run",
                "计算批次未完成或不覆盖该区域",
                "the run is not finished or does not cover the area",
                "run",
            )
        )
    if problems:
        raise AppError.from_problems(problems)
    codes = sorted(weights)
    rows = IndicatorValue.objects.filter(
        run=run, level=AreaLevel.COMMUNITY, area__code__startswith=area.prefix, indicator__code__in=codes
    ).values_list("area_id", "indicator__code", "value", "pk")
    areas = sorted({r[0] for r in rows})
    if len(areas) < 2:
        raise _refuse("areas", "参与排名的社区不足两个", "fewer than two communities to rank", "area")
    index = {a: i for i, a in enumerate(areas)}
    col = {c: j for j, c in enumerate(codes)}
    X = np.full((len(areas), len(codes)), np.nan)
    ids = np.zeros((len(areas), len(codes)), dtype=np.int64)
    for a, c, v, pk in rows:
        if v is not None:
            X[index[a], col[c]] = v
        ids[index[a], col[c]] = pk
    keep = ~np.all(np.isnan(X), axis=0)
    if not keep.all():  # an indicator without any value (no source yet) cannot rank anyone
        dropped = [codes[j] for j in np.flatnonzero(~keep)]
        raise _refuse(
            "no_values",
            f"以下指标在本批次没有任何值：{'、'.join(dropped)}",
            f"no values in this run for: {', '.join(dropped)}",
            "weights",
        )
    directions = np.array([indicators[c].direction for c in codes], dtype=float)
    result = composite.compute(
        X,
        directions,
        w,
        normalisation=normalisation,
        aggregation=aggregation,
        draws=draws,
        spread=spread,
        seed=seed,
    )
    with transaction.atomic():
        last = Ranking.objects.select_for_update().filter(name=name).order_by("-version").first()
        previous = (
            Ranking.objects.filter(name=name, published_at__isnull=False)
            .exclude(period=run.period)
            .order_by("-period", "-version")
            .first()
        )
        ranking = Ranking.objects.create(
            name=name,
            version=(last.version + 1) if last else 1,
            area=area,
            period=run.period,
            run=run,
            weights={c: float(weights[c]) for c in codes},
            normalisation=normalisation,
            aggregation=aggregation,
            draws=draws,
            weight_spread=spread,
            seed=seed,
            previous=previous,
            created_by=actor,
        )
        before = (
            dict(RankingEntry.objects.filter(ranking=previous).values_list("area_id", "rank"))
            if previous
            else {}
        )
        entries = []
        for a, i in index.items():
            breakdown = []
            for c, j in col.items():
                contribution = (
                    float(w[j] * result.normalised[i, j]) if aggregation == Aggregation.ARITHMETIC else None
                )
                breakdown.append(
                    {
                        "code": c,
                        "name": indicators[c].name,
                        "weight": float(w[j]),
                        "raw": None if np.isnan(X[i, j]) else float(X[i, j]),
                        "normalised": round(float(result.normalised[i, j]), 4),
                        "contribution": None if contribution is None else round(contribution, 4),
                        "value_id": int(ids[i, j]) or None,
                        "imputed": bool(result.imputed[i, j]),
                        "direction": indicators[c].direction,
                    }
                )
            entries.append(
                RankingEntry(
                    ranking=ranking,
                    area_id=a,
                    score=round(float(result.scores[i]), 6),
                    rank=int(result.ranks[i]),
                    previous_rank=before.get(a),
                    median_rank=float(result.median_rank[i]),
                    rank_p05=float(result.p05[i]),
                    rank_p95=float(result.p95[i]),
                    breakdown=breakdown,
                )
            )
        RankingEntry.objects.bulk_create(entries, batch_size=2000)
    return ranking


def ranking_publish(ranking: Ranking, actor: User | None) -> Ranking:
    updated = Ranking.objects.filter(pk=ranking.pk, published_at__isnull=True).update(
        published_at=timezone.now()
    )
    if not updated:
        raise AppError(
            "榜单已发布，不能再次发布或修改",
            "the ranking is already published and cannot change",
            status=409,
            code="published",
        )
    ranking.refresh_from_db()
    return ranking


def ranking_discard(ranking: Ranking) -> None:
    """Drafts may be discarded; a published ranking is immutable."""
    if Ranking.objects.filter(pk=ranking.pk, published_at__isnull=False).exists():
        raise AppError(
            "已发布的榜单不可修改或删除",
            "a published ranking cannot be changed or deleted",
            status=409,
            code="published",
        )
    ranking.delete()


def series(indicator: Indicator, area: Division) -> list[tuple[str, float | None, int]]:
    """(period, value, value id) of the latest run of each period, oldest first."""
    rows = (
        IndicatorValue.objects.filter(indicator=indicator, area=area, run__status=RunStatus.DONE)
        .order_by("period", "-run_id")
        .values_list("period", "value", "pk")
    )
    out: dict[str, tuple[str, float | None, int]] = {}
    for period, value, pk in rows:
        out.setdefault(period, (period, value, pk))
    return list(out.values())


def latest_values(area_codes_prefix: str, period: str, level: str) -> dict[tuple[int, int], IndicatorValue]:
    """(indicator id, area id) → the value of the latest finished run covering it."""
    out: dict[tuple[int, int], IndicatorValue] = {}
    rows = IndicatorValue.objects.filter(
        period=period, level=level, area__code__startswith=area_codes_prefix, run__status=RunStatus.DONE
    ).order_by("-run_id")
    for v in rows:
        out.setdefault((v.indicator_id, v.area_id), v)
    return out


def status_for(value: IndicatorValue) -> Any:
    """The Open SDG progress status of a value against its indicator's targets.

    Baseline: the area's value in the earliest earlier period computed; else the indicator's
    city baseline and baseline year."""
    from shezhi.indicators import progress

    if value.value is None:
        return None
    ind = value.indicator
    earlier = (
        IndicatorValue.objects.filter(
            indicator=ind,
            area_id=value.area_id,
            period__lt=value.period,
            value__isnull=False,
            run__status=RunStatus.DONE,
        )
        .order_by("period", "-run_id")
        .values_list("period", "value")
        .first()
    )
    base, base_year = (earlier[1], int(earlier[0])) if earlier else (ind.baseline, ind.baseline_year)
    if base is None:
        return None
    return progress.status(
        base=base,
        base_year=base_year,
        value=value.value,
        year=int(value.period),
        direction=ind.direction,
        target_2025=ind.target_2025,
        target_2035=ind.target_2035,
    )


def aggregate_counts(values: list[IndicatorValue]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for v in values:
        s = status_for(v)
        counts[s.code if s else "none"] += 1
    return dict(counts)
