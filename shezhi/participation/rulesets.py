"""The shipped rule sets (表决规则), as data. Loaded by a data migration; never edited in place:
a changed rule is a new version, so every closed vote keeps the rule it was counted under."""

from __future__ import annotations

import datetime as dt
from typing import Any

OWNER_CONVENTIONS = {
    "joint_owners_once": True,
    "merge_multi_unit_owner": True,
    "developer_unsold_as_one": True,
}

RULE_SETS: list[dict[str, Any]] = [
    {
        "code": "civil-code-278",
        "version": 2021,
        "name": "业主共同决定（民法典第二百七十八条）",
        "kind": "owners",
        "legal_basis": "《中华人民共和国民法典》第二百七十八条；法释〔2009〕7号第八、九条（2020年修正）",
        "effective_from": dt.date(2021, 1, 1),
        "uses_area": True,
        "quorum_area": "2/3",
        "quorum_heads": "2/3",
        "ordinary": "1/2",
        "ordinary_op": "gt",
        "ordinary_base": "participating",
        "special": "3/4",
        "special_op": "ge",
        "special_base": "participating",
        "special_matters": "第(六)至(八)项：筹集和使用建筑物及其附属设施的维修资金；"
        "改建、重建建筑物及其附属设施；"
        "改变共有部分的用途或者利用共有部分从事经营活动",
        "conventions": OWNER_CONVENTIONS,
        "notes": "专有部分面积占比三分之二以上且人数占比三分之二以上的业主参与表决；"
        "一般事项经参与表决专有部分面积过半数且参与表决人数过半数的业主同意；"
        "特别事项经参与表决专有部分面积四分之三以上且参与表决人数四分之三以上的业主同意。面积以不动产登记簿为准；人数按专有部分计，建设单位未出售部分和同一"
        "买受人拥有多个专有部分的按一人计。",
    },
    {
        "code": "property-law-76",
        "version": 2007,
        "name": "业主共同决定（原物权法第七十六条，双过半）",
        "kind": "owners",
        "legal_basis": "《中华人民共和国物权法》第七十六条（2007-10-01 施行，2021-01-01 民法典施行时废止）",
        "effective_from": dt.date(2007, 10, 1),
        "effective_to": dt.date(2020, 12, 31),
        "uses_area": True,
        "quorum_area": "",
        "quorum_heads": "",
        "ordinary": "1/2",
        "ordinary_op": "gt",
        "ordinary_base": "eligible",
        "special": "2/3",
        "special_op": "ge",
        "special_base": "eligible",
        "special_matters": "第(五)、(六)项：筹集和使用维修资金；改建、重建建筑物及其附属设施",
        "conventions": OWNER_CONVENTIONS,
        "notes": "仅用于审查 2021 年以前的表决：全体业主中专有部分面积过半数且人数过半数同意（双过半）；"
        "第(五)(六)项为三分之二以上。",
    },
    {
        "code": "residents-meeting",
        "version": 1,
        "name": "居民会议（每户一票）",
        "kind": "residents",
        "legal_basis": "《中华人民共和国城市居民委员会组织法》第二十一条",
        "effective_from": dt.date(2019, 1, 1),
        "uses_area": False,
        "quorum_heads": ">1/2",
        "quorum_configurable": True,
        "ordinary": "1/2",
        "ordinary_op": "gt",
        "ordinary_base": "participating",
        "conventions": {"one_per_household": True},
        "notes": "过半数的户参加方为有效；决定由参加者过半数通过。议事会可按其议事规则设定更高的参与门槛。",
    },
    {
        "code": "council-deliberation",
        "version": 1,
        "name": "居民议事会（简单多数，门槛可设定）",
        "kind": "residents",
        "legal_basis": "社区居民议事会议事规则（由社区制定）",
        "effective_from": dt.date(2019, 1, 1),
        "uses_area": False,
        "quorum_heads": "2/3",
        "quorum_configurable": True,
        "ordinary": "1/2",
        "ordinary_op": "gt",
        "ordinary_base": "participating",
        "conventions": {"one_per_household": True},
        "notes": "参与门槛默认三分之二，可在每次表决时按议事规则设定；出席者过半数同意通过。",
    },
]


def load(apps: Any, schema_editor: Any) -> None:
    RuleSet = apps.get_model("participation", "RuleSet")
    for spec in RULE_SETS:
        RuleSet.objects.get_or_create(code=spec["code"], version=spec["version"], defaults=spec)


def install() -> None:
    """The shipped rule sets, where missing (the data migration's work, for a database that was
    flushed since, as transactional tests and ``flush`` do)."""
    from django.apps import apps as django_apps

    load(django_apps, None)
