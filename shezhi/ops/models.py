"""What the operations views read: when each kind of background task last finished."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskBeat(models.Model):
    """The last run of one task (by its dotted path), written by the worker that ran it.

    Any task finishing proves a worker alive (the clock enqueues a heartbeat every tick); the
    SLA scan's last success gives its lag. One row per task path, on every backend.
    """

    task_path = models.CharField(_("任务"), max_length=200, primary_key=True)
    last_finished_at = models.DateTimeField(_("最近完成"))
    last_status = models.CharField(_("最近状态"), max_length=16)
    last_success_at = models.DateTimeField(_("最近成功"), null=True, blank=True)
    runs = models.PositiveBigIntegerField(_("运行次数"), default=0)

    class Meta:
        verbose_name = _("任务心跳")
        verbose_name_plural = _("任务心跳")

    def __str__(self) -> str:
        return self.task_path
