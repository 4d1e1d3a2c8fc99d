"""The case page's action panel: what this user may do to this case now, grouped and labelled.

Each group names a stage of the work (签收/办理, 派单/转派, 吹哨, 延期, 办结/回访, 公开…) and
holds only the actions valid in the case's state for the user's role; a group with
nothing in it is not shown. The 派单 list comes with the routing matrix's suggestion
preselected and the rule that made it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from shezhi.accounts.models import User
from shezhi.accounts.roles import Role
from shezhi.cases import routing
from shezhi.cases.models import Case, Unit, UnitKind
from shezhi.cases.workflow import Transition, available

#: (group key, label, the transitions it holds), in the order of the work.
GROUPS: list[tuple[str, Any, tuple[str, ...]]] = [
    ("route", _("分拨"), ("route",)),
    ("handle", _("签收 / 办理"), ("sign", "start", "reply", "return")),
    ("dispatch", _("派单 / 转派"), ("dispatch", "reassign")),
    ("review", _("审核 / 办结"), ("approve", "reject")),
    ("whistle", _("吹哨（部门报到）"), ()),
    ("extension", _("延期"), ()),
    ("suspend", _("挂起 / 恢复"), ("suspend", "resume")),
    ("visit", _("回访 / 重新办理"), ("visit", "reopen")),
    ("withdraw", _("撤回"), ("withdraw",)),
    ("publish", _("公开"), ()),
]
_SUPERVISORS = {Role.CITY_ADMIN, Role.DISTRICT_STAFF, Role.STREET_STAFF}
_DESK = _SUPERVISORS | {Role.COMMUNITY_WORKER}
_HANDLERS = _DESK | {Role.GRID_WORKER}


@dataclass
class Suggestion:
    """The routing matrix's unit for this case, and why (or why there is none)."""

    unit: Unit | None
    reason: str
    dispatchable: bool = True


@dataclass
class Group:
    key: str
    label: Any
    transitions: list[Transition] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)


def role_of(user: User) -> str:
    return Role.CITY_ADMIN if user.is_superuser else user.role


def suggestion_for(case: Case, units: Any) -> Suggestion:
    """The matrix's suggestion for dispatching ``case``; ``units`` are those the user may pick."""
    if case.category is None:
        return Suggestion(None, str(_("尚未确定分类，无法按派单规则建议承办单位")))
    rule = routing.rule_for(case.category, case.division)
    if rule is None:
        return Suggestion(None, str(_("派单规则中没有适用于此分类和区域的规则，请人工选择")))
    reason = routing.rule_explained(rule)
    return Suggestion(rule.unit, reason, dispatchable=units.filter(pk=rule.unit_id).exists())


def unit_groups(units: Any, *, exclude: Unit | None = None) -> list[tuple[str, list[Unit]]]:
    """Units by kind (社区, 街道, 区级, 职能部门, 企业) for an <optgroup> list."""
    by_kind: dict[str, list[Unit]] = {}
    for unit in units.select_related("division").order_by("kind", "division__code", "name"):
        if exclude is not None and unit.pk == exclude.pk:
            continue
        by_kind.setdefault(unit.kind, []).append(unit)
    labels = dict(UnitKind.choices)
    return [(str(labels.get(kind, kind)), items) for kind, items in by_kind.items()]


def action_groups(case: Case, user: User) -> list[Group]:
    """The groups of actions this user may take on this case now, empty groups left out."""
    role = role_of(user)
    if role not in _HANDLERS:
        return []
    allowed = {t.name: t for t in available(state=case.state, role=role)}
    if case.reporter_id is not None or case.self_handled:
        # A reporter with an account rates the case themselves (stars and a comment); a
        # case its own handler reported and closed on the spot has no one to call back.
        allowed.pop("visit", None)
    groups = []
    for key, label, names in GROUPS:
        group = Group(key, label, [allowed[n] for n in names if n in allowed])
        if key == "whistle" and role in _SUPERVISORS and case.state in ("signed", "in_progress"):
            group.extras.append("whistle")
        if key == "extension":
            if case.extension_requested_days and role in _SUPERVISORS:
                group.extras.append("decide")
            elif not case.extension_requested_days and case.state in ("signed", "in_progress"):
                group.extras.append("extend")
        if key == "publish" and role in _DESK:
            group.extras.append("unpublish" if case.public else "publish")
        if group.transitions or group.extras:
            groups.append(group)
    return groups
