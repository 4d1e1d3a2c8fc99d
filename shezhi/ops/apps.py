from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Running the platform: task beats, /metrics, the task worker command."""

    name = "shezhi.ops"
    label = "ops"
    verbose_name = _("运行维护")

    def ready(self) -> None:
        from django_tasks.signals import task_finished

        from shezhi.ops.beats import task_beat

        task_finished.connect(task_beat, dispatch_uid="shezhi.ops.task_beat")
