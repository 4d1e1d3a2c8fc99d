"""Template context shared by every page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from shezhi import __version__
from shezhi.common.nav import NavItem, nav_items

#: What the navigation calls each part of the product (common.nav.PARTS).
PART_LABELS = {
    "base": _("基础数据库"),
    "lifecircle": _("一刻钟生活圈"),
    "cases": _("接诉即办"),
    "participation": _("共建共治共享"),
    "indicators": _("指标与报表"),
    "eldercare": _("一老一小"),
    "account": _("账号"),
}
#: A role with at most this many links sees them directly, without parts and sub-menus.
FLAT_LIMIT = 6
#: Links in the phone's bottom bar besides 工作台.
PHONE_LIMIT = 4


@dataclass
class Link:
    label: Any
    url: str
    icon: str = ""
    active: bool = False


@dataclass
class Part:
    key: str
    label: Any
    links: list[Link] = field(default_factory=list)
    active: bool = False

    @property
    def url(self) -> str:
        return self.links[0].url


@dataclass
class Navigation:
    """The navigation of one page: parts with their links, the phone bar, the account menu."""

    parts: list[Part]
    account: list[Link]
    phone: list[Link]
    flat: list[Link] | None

    @property
    def active_part(self) -> Part | None:
        return next((p for p in self.parts if p.active), None)


def _matches(item: NavItem, request: HttpRequest) -> int:
    """How well ``item`` names the current page: 0 not at all, more is better."""
    url = urlsplit(item.url)
    if url.fragment or url.path != request.path:  # a place on a page is not the page
        return 0
    wanted = dict(parse_qsl(url.query))
    if any(request.GET.get(k) != v for k, v in wanted.items()):
        return 0
    return 1 + len(wanted)


def _section(path: str) -> str:
    return path.strip("/").split("/", 1)[0]


def navigation(request: HttpRequest) -> Navigation:
    items = nav_items(request.user) if hasattr(request, "user") else []
    scores = [_matches(i, request) for i in items]
    best = max(scores, default=0)
    links = [
        Link(i.label, i.url, i.icon, active=bool(best) and s == best)
        for i, s in zip(items, scores, strict=True)
    ]
    parts: dict[str, Part] = {}
    account: list[Link] = []
    for item, link in zip(items, links, strict=True):
        if item.part == "account":
            account.append(link)
            continue
        part = parts.setdefault(item.part, Part(item.part, PART_LABELS.get(item.part, item.part)))
        part.links.append(link)
    section = _section(request.path)
    for part in parts.values():
        part.active = any(link.active for link in part.links) or (
            bool(section) and any(_section(urlsplit(link.url).path) == section for link in part.links)
        )
    # Flat (few links) and on the phone's bar, the apps' own order decides, across parts:
    # a resident's 随手拍 comes before 附近服务 although the parts run the other way.
    ranked = sorted(zip(items, links, strict=True), key=lambda pair: pair[0].order)
    work = [link for item, link in ranked if item.part != "account"]
    phone = [link for item, link in ranked if item.phone][:PHONE_LIMIT]
    return Navigation(
        parts=list(parts.values()),
        account=account,
        phone=phone,
        flat=work if len(work) <= FLAT_LIMIT else None,
    )


def platform(request: HttpRequest) -> dict[str, Any]:
    return {
        "PLATFORM_VERSION": __version__,
        "OSM_ATTRIBUTION": settings.OSM_ATTRIBUTION,
        # Lazily: pages that never draw the navigation never ask the apps for it.
        "NAV_ITEMS": lambda: nav_items(request.user) if hasattr(request, "user") else [],
        "NAV": lambda: navigation(request),
    }
