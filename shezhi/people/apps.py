from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "shezhi.people"
    label = "people"
    verbose_name = _("人口与单位")

    def ready(self) -> None:
        # Connects the receiver that closes import batches whose upload expired.
        from shezhi.common import leases
        from shezhi.people import importers

        leases.register(importers.IMPORTS)
