from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    name = "shezhi.participation"
    verbose_name = _("共建共治共享")
    default_auto_field = "django.db.models.BigAutoField"
