from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EldercareConfig(AppConfig):
    name = "shezhi.eldercare"
    label = "eldercare"
    verbose_name = _("一老一小")
