"""The account menu: password, API tokens, API documentation; the login record and account
changes for the auditor; account management for the city and district administrators."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shezhi.accounts import selectors
from shezhi.accounts.permissions import AccountPermission, has_perm
from shezhi.common.nav import NavItem, WorkCard


def nav_items(user: Any) -> list[NavItem]:
    items = [NavItem("account", _("修改密码"), reverse("accounts:password_change"), order=10)]
    if has_perm(user, AccountPermission.MANAGE_OWN_TOKENS):
        items += [
            NavItem("account", _("接口令牌"), reverse("accounts:tokens"), order=20),
            NavItem("account", _("接口文档"), reverse("api-v1:openapi-view"), order=30),
        ]
    if has_perm(user, AccountPermission.READ_LOGIN_RECORD):
        # The auditor's work, so in the base part next to the access log, not in the menu.
        items.append(NavItem("base", _("登录失败记录"), reverse("accounts:login_failures"), order=32))
    if has_perm(user, AccountPermission.MANAGE_USERS):
        items.append(NavItem("base", _("账号管理"), reverse("accounts:users"), order=40))
    if has_perm(user, AccountPermission.READ_ACCOUNT_AUDIT):
        items.append(NavItem("base", _("账号审计记录"), reverse("accounts:audit"), order=34))
    return items


def work_cards(user: Any) -> list[WorkCard]:
    if not has_perm(user, AccountPermission.READ_LOGIN_RECORD):
        return []
    since = timezone.now() - timedelta(hours=24)
    failures = selectors.login_failures(actor=user).filter(attempt_time__gte=since).count()
    locked = selectors.lockouts(actor=user).filter(locked=True).count()
    url = reverse("accounts:login_failures")
    cards = [
        WorkCard(
            "base",
            _("24 小时内登录失败"),
            url,
            count=failures,
            tone="warn" if failures else "ok",
            hint=_("用户名、来源地址、浏览器"),
            order=64,
        )
    ]
    if locked:
        cards.append(
            WorkCard(
                "base",
                _("已锁定的账号"),
                url,
                count=locked,
                tone="danger",
                hint=_("连续失败被锁定"),
                order=65,
            )
        )
    return cards
