from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "shezhi.indicators"
    label = "indicators"
    verbose_name = _("评价指标与百强榜单")
