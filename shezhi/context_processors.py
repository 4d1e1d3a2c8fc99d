"""Template context shared by every page."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from shezhi import __version__
from shezhi.common.nav import nav_items


def platform(request: HttpRequest) -> dict[str, Any]:
    return {
        "PLATFORM_VERSION": __version__,
        "OSM_ATTRIBUTION": settings.OSM_ATTRIBUTION,
        # Lazily: pages that never draw the navigation never ask the apps for it.
        "NAV_ITEMS": lambda: nav_items(request.user) if hasattr(request, "user") else [],
    }
