"""Registry of social organisations and social enterprises (社区社会企业库) on ``people.Organisation``.

The organisation itself is registered through ``people.services.organisation_create`` (the
统一社会信用代码 checked against GB 32100-2015, unique); the profile adds the field of
service, certification and incubation.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from shezhi.common.errors import AppError, Problem
from shezhi.participation.models import EnterpriseProfile, IncubationStage, ServiceField
from shezhi.participation.permissions import ParticipationPermission, has_perm


@transaction.atomic
def registry_register(
    *,
    actor: Any,
    name: str,
    kind: str,
    uscc: str,
    community_code: str,
    field: str,
    certified_year: int | None = None,
    incubation: str = IncubationStage.NONE,
    mentor: str = "",
) -> EnterpriseProfile:
    from shezhi.people.services import organisation_create

    if not has_perm(actor, ParticipationPermission.MANAGE):
        raise AppError(_("仅社区可登记"), "only the community desk registers", status=403, code="forbidden")
    problems = []
    if field not in ServiceField.values:
        problems.append(Problem("field", "服务领域无效", "unknown field of service", "field"))
    if incubation not in IncubationStage.values:
        problems.append(Problem("incubation", "孵化阶段无效", "unknown incubation stage", "incubation"))
    if certified_year is not None and not 2000 <= certified_year <= 2100:
        problems.append(
            Problem("certified_year", "认定年度无效", "invalid certification year", "certified_year")
        )
    if problems:
        raise AppError.from_problems(problems)
    organisation = organisation_create(
        actor=actor, name=name, kind=kind, uscc=uscc, community_code=community_code
    )
    return EnterpriseProfile.objects.create(
        organisation=organisation,
        field=field,
        certified=certified_year is not None,
        certified_year=certified_year,
        incubation=incubation,
        mentor=mentor.strip()[:64],
    )


def registry_list(*, actor: Any) -> QuerySet[EnterpriseProfile]:
    if not has_perm(actor, ParticipationPermission.READ):
        return EnterpriseProfile.objects.none()
    return EnterpriseProfile.objects.visible_to(actor).select_related(
        "organisation", "organisation__community"
    )
