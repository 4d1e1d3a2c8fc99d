"""Chinese address parsing (地址解析) over the installation's own division tree.

An address is read left to right as 省 → 市 → 区(市)县 → 镇(街道) → 社区/村, each level
optional (people write "锦江区春熙路街道…" or "成华区…" without the province), each
matched only among the children of the level found before it. What remains after the
administrative prefix is the part a compound name is looked for in, and only within the
deepest division found — so "锦江区…" is never taken for a compound called "锦江" in
成华区.

The tree is the loaded 统计用区划代码 (2023), so new streets and renamed communities are
known as soon as the tree is reloaded. PyPI's ``cpca`` was considered: its bundled table
stops at district level and predates the 2023 codes, and it pulls in pandas; a walk over
our own tree does the same job at every level.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from shezhi.accounts.roles import PREFIX_LENGTH, DivisionLevel
from shezhi.places.models import Division

#: Levels in reading order.
LEVELS = [
    DivisionLevel.PROVINCE,
    DivisionLevel.CITY,
    DivisionLevel.DISTRICT,
    DivisionLevel.STREET,
    DivisionLevel.COMMUNITY,
]
_SKIP = re.compile(r"[\s,，、·.。:：;；()（）\-—_/]+")


@dataclass(frozen=True)
class _Node:
    pk: int
    code: str
    name: str
    level: str
    parent_pk: int | None


@dataclass
class ParsedAddress:
    """What the administrative prefix of an address names, and the rest of it."""

    text: str
    divisions: list[Division] = field(default_factory=list)
    rest: str = ""

    @property
    def deepest(self) -> Division | None:
        return self.divisions[-1] if self.divisions else None

    def at(self, level: str) -> Division | None:
        return next((d for d in self.divisions if d.level == level), None)

    @property
    def label(self) -> str:
        return "·".join(d.name for d in self.divisions)


def aliases(name: str, level: str) -> list[str]:
    """Ways an address writes this division's name, longest first.

    Provinces and cities are often written without 省/市 (四川, 成都); a community without
    居民委员会 (XX社区); a district or street is written in full only — "锦江" alone is as
    likely a river, a hotel or a compound.
    """
    names = [name]
    if level in (DivisionLevel.PROVINCE, DivisionLevel.CITY):
        for suffix in ("省", "市", "自治区", "自治州"):
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                names.append(name[: -len(suffix)])
    elif level == DivisionLevel.STREET and name.endswith("街道"):
        names.insert(0, name + "办事处")
    elif level == DivisionLevel.COMMUNITY:
        for suffix, short in (
            ("社区居民委员会", "社区"),
            ("社区居委会", "社区"),
            ("居民委员会", "社区"),
            ("居委会", "社区"),
            ("村民委员会", "村"),
            ("村委会", "村"),
        ):
            if name.endswith(suffix):
                stem = name[: -len(suffix)]
                names.append(stem + short)
                if short == "社区" and not stem.endswith("社区"):
                    names.append(stem + "居委会")
                break
    return sorted(set(names), key=len, reverse=True)


@lru_cache(maxsize=4)
def _tree(version: tuple[int, int]) -> dict[str, list[tuple[str, _Node]]]:
    """level → [(alias, node)], longest alias first."""
    index: dict[str, list[tuple[str, _Node]]] = {lv: [] for lv in LEVELS}
    rows = Division.objects.filter(level__in=LEVELS).values_list("pk", "code", "name", "level", "parent_id")
    for pk, code, name, level, parent in rows:
        node = _Node(pk, code, name, level, parent)
        for alias in aliases(name, level):
            index[level].append((alias, node))
    for entries in index.values():
        entries.sort(key=lambda e: (-len(e[0]), e[1].code))
    return index


def _version() -> tuple[int, int]:
    from django.db.models import Count, Max

    agg = Division.objects.aggregate(n=Count("pk"), m=Max("pk"))
    return int(agg["n"] or 0), int(agg["m"] or 0)


def _strip(text: str) -> str:
    return _SKIP.sub("", text)


def parse_address(text: str, *, near: Division | None = None) -> ParsedAddress:
    """The divisions an address names at its start, outermost first, and the rest of it.

    A level may be left out; when it is, the next one is looked for among every division
    of that level (within ``near``'s city first, when the same name exists twice).
    """
    compact = _strip(text or "")
    parsed = ParsedAddress(text=text)
    if not compact:
        return parsed
    index = _tree(_version())
    pos = 0
    within = ""
    chosen: list[_Node] = []
    for level in LEVELS:
        hits = [
            (alias, node)
            for alias, node in index[level]
            if node.code.startswith(within) and compact.startswith(alias, pos)
        ]
        if not hits:
            continue
        longest = len(hits[0][0])
        same = [node for alias, node in hits if len(alias) == longest]
        if near is not None and len(same) > 1:
            # The same name twice (two 民兴社区): the one nearest the reporter's own area.
            same.sort(key=lambda n: (-_shared(n.code, near.code), n.code))
        node = same[0]
        chosen.append(node)
        within = _prefix(node)
        pos += longest
    if chosen:
        by_pk = Division.objects.in_bulk([n.pk for n in chosen])
        parsed.divisions = [by_pk[n.pk] for n in chosen if n.pk in by_pk]
    parsed.rest = compact[pos:]
    return parsed


def _shared(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _prefix(node: _Node) -> str:
    return node.code[: PREFIX_LENGTH[DivisionLevel(node.level)]]
