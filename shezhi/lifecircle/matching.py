"""Mapping source categories (OSM tags, Amap types, names) to service elements.

Each element of the standard lists its ``sources``: OSM ``key=value`` tags, Amap type
prefixes (``大类;中类;小类``) and name keywords. A source record is matched in two steps:

1. it must be *relevant*: one of its tags (or Amap types) is listed by some element, or
   its name holds a keyword of some element;
2. a keyword in the name is the more specific evidence (an ``amenity=school`` named
   “…中学” is a middle school, not a primary school): the longest keyword found wins;
   otherwise the first element (in the standard's order) listing the tag or type.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ElementSources:
    code: str
    osm: tuple[str, ...]
    amap: tuple[str, ...]
    keywords: tuple[str, ...]


class CategoryMatcher:
    """Decide which service element a source record is, if any."""

    def __init__(self, elements: Iterable[tuple[str, Mapping[str, Any]]]) -> None:
        self.elements = [
            ElementSources(
                code=code,
                osm=tuple(sources.get("osm", ())),
                amap=tuple(sources.get("amap", ())),
                keywords=tuple(sources.get("keywords", ())),
            )
            for code, sources in elements
        ]
        self.osm_tags = {tag for e in self.elements for tag in e.osm}
        self.osm_keys = {tag.split("=", 1)[0] for tag in self.osm_tags}

    @classmethod
    def for_elements(cls, elements: Iterable[Any]) -> CategoryMatcher:
        """From :class:`~shezhi.lifecircle.models.ServiceElement` rows."""
        return cls((e.code, e.sources or {}) for e in elements)

    def _by_keyword(self, name: str) -> str | None:
        best: tuple[int, str] | None = None
        for e in self.elements:
            for word in e.keywords:
                if word and word in name and (best is None or len(word) > best[0]):
                    best = (len(word), e.code)
        return best[1] if best else None

    def match_osm(self, tags: Mapping[str, str], name: str = "") -> str | None:
        """Element code of an OSM feature with these tags, or None."""
        present = {f"{k}={tags[k]}" for k in self.osm_keys if k in tags}
        tagged = [e.code for e in self.elements if present & set(e.osm)]
        if not tagged:
            return None
        keyword = self._by_keyword(name)
        return keyword or tagged[0]

    def match_amap(self, types: str, name: str = "") -> str | None:
        """Element code of an Amap POI with ``type`` (several joined by ``|``), or None."""
        parts: Sequence[str] = [t.strip() for t in types.split("|") if t.strip()]
        typed = [e.code for e in self.elements if any(p.startswith(a) for p in parts for a in e.amap)]
        keyword = self._by_keyword(name)
        if keyword:
            return keyword
        return typed[0] if typed else None
