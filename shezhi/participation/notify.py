"""Notifications: in-app rows, plus a pluggable outside sender (SMS/WeChat).

``settings.PARTICIPATION_NOTICE_SENDER`` names a callable ``send(user, kind, title, url)``;
the embedded default :func:`logging_sender` only logs (no network at run time). Users opt
out per kind and channel (:class:`NoticeOptOut`). Notices go out after the transaction commits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from shezhi.participation.models import NoticeOptOut, Notification

logger = logging.getLogger("shezhi.participation.notify")


def logging_sender(user: Any, kind: str, title: str, url: str) -> None:
    """The embedded outside channel: a log line instead of an SMS."""
    logger.info("notice to user %s [%s]: %s %s", user.pk, kind, title, url)


def _sender() -> Any:
    path = getattr(settings, "PARTICIPATION_NOTICE_SENDER", "shezhi.participation.notify.logging_sender")
    return import_string(path)


def notify(users: Iterable[Any], *, kind: str, title: str, url: str = "") -> int:
    """Queue an in-app notice for each user (unless they opted out); send outside after commit."""
    users = list({u.pk: u for u in users}.values())
    muted = set(NoticeOptOut.objects.filter(user__in=users, kind=kind).values_list("user_id", "channel"))
    rows = [
        Notification(user=u, kind=kind, title=title[:200], url=url[:200])
        for u in users
        if (u.pk, "app") not in muted
    ]
    Notification.objects.bulk_create(rows)
    outside = [u for u in users if (u.pk, "sms") not in muted]

    def send() -> None:
        sender = _sender()
        for user in outside:
            try:
                sender(user, kind, title, url)
            except Exception:  # a failing gateway never undoes the in-app notice
                logger.exception("notice sender failed for user %s", user.pk)

    transaction.on_commit(send)
    return len(rows)


def unread(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
