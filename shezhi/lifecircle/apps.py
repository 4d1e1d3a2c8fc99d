from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LifecircleConfig(AppConfig):
    name = "shezhi.lifecircle"
    label = "lifecircle"
    verbose_name = _("一刻钟社区生活圈")

    def ready(self) -> None:
        from shezhi.common import leases
        from shezhi.lifecircle.leases import RUNS

        leases.register(RUNS)
