"""Likely duplicates (重复件): same category, within ~50 m and 7 days, with similar text.

Text similarity is the Jaccard index of character bigrams after dropping punctuation,
digits and whitespace — for short Chinese complaints bigrams carry most of the word
information without needing a segmenter. A handler sees the suggestions on the case
page and merges (``merge`` transition); nothing is merged automatically.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from shezhi.accounts.models import User
from shezhi.cases.models import Case
from shezhi.cases.workflow import State

RADIUS_M = 50.0
WINDOW = dt.timedelta(days=7)
MIN_SIMILARITY = 0.25
_NOISE = re.compile(r"[\s\d\W_]+", re.UNICODE)
_M_PER_DEG = 111_320.0


def bigrams(text: str) -> set[str]:
    """Character bigrams of ``text`` without punctuation, digits and spaces.

    >>> sorted(bigrams("路灯不亮！"))
    ['不亮', '灯不', '路灯']
    """
    clean = _NOISE.sub("", text)
    if len(clean) < 2:
        return {clean} if clean else set()
    return {clean[i : i + 2] for i in range(len(clean) - 1)}


def similarity(a: str, b: str) -> float:
    """Jaccard index of the two texts' character bigrams (0 … 1).

    >>> round(similarity("小区门口路灯不亮", "门口的路灯一直不亮"), 2)
    0.25
    """
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return 0.0
    return len(x & y) / len(x | y)


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class Suggestion:
    case: Case
    distance_m: float | None
    similarity: float


def suggest(*, case: Case, actor: User, limit: int = 5) -> list[Suggestion]:
    """Visible cases that are likely the same problem as ``case``, most similar first."""
    if case.category_id is None:
        return []
    qs = (
        Case.objects.visible_to(actor)
        .filter(category_id=case.category_id)
        .filter(opened_at__gte=case.opened_at - WINDOW, opened_at__lte=case.opened_at + WINDOW)
        .exclude(pk=case.pk)
        .exclude(state__in=[State.MERGED, State.WITHDRAWN])
    )
    if case.lat is not None and case.lon is not None:
        dlat = RADIUS_M / _M_PER_DEG
        dlon = RADIUS_M / (_M_PER_DEG * math.cos(math.radians(case.lat)))
        qs = qs.filter(
            lat__range=(case.lat - dlat, case.lat + dlat), lon__range=(case.lon - dlon, case.lon + dlon)
        )
    elif case.compound_id is not None:
        qs = qs.filter(compound_id=case.compound_id)
    else:
        return []
    found = []
    for other in qs.only("id", "code", "title", "description", "lat", "lon", "state", "opened_at")[:200]:
        dist = None
        if case.lat is not None and other.lat is not None:
            dist = distance_m(case.lon, case.lat, other.lon, other.lat)  # type: ignore[arg-type]
            if dist > RADIUS_M:
                continue
        score = similarity(case.description, other.description)
        if score >= MIN_SIMILARITY:
            found.append(Suggestion(other, dist, score))
    found.sort(key=lambda s: (-s.similarity, s.distance_m or 0))
    return found[:limit]
