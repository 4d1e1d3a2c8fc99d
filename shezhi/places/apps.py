from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "shezhi.places"
    label = "places"
    verbose_name = _("区划与网格")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from shezhi.common.filemodes import sqlite_private

        # The platform's lowest app connects it, so it holds in every process (web, worker, commands).
        connection_created.connect(sqlite_private, dispatch_uid="shezhi.sqlite_private")
