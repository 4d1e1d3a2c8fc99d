"""Template context shared by every page."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from shezhi import __version__


def platform(request: HttpRequest) -> dict[str, Any]:
    return {
        "PLATFORM_VERSION": __version__,
        "OSM_ATTRIBUTION": settings.OSM_ATTRIBUTION,
    }
