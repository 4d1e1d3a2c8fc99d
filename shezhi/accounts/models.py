"""Users (用户), their role and area, and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shezhi.accounts.roles import PREFIX_LENGTH, ROLE_LEVEL, DivisionLevel, Role


class ShezhiUserManager(UserManager["User"]):
    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra: Any
    ) -> User:
        """``createsuperuser``: the first administrator is a 市级管理员 of the only city loaded."""
        extra.setdefault("role", Role.CITY_ADMIN)
        if extra.get("division") is None and extra.get("division_id") is None:
            from django.apps import apps

            cities = apps.get_model("places", "Division").objects.filter(level=DivisionLevel.CITY)
            if cities.count() == 1:
                extra["division"] = cities.get()
        return super().create_superuser(username, email, password, **extra)


class User(AbstractUser):
    """A platform user with one role and one area (a division and, for grid workers, a grid)."""

    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, default=Role.RESIDENT)
    # Referred to by name: accounts sits below places and never imports it.
    division = models.ForeignKey(
        "places.Division",
        verbose_name=_("所属区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_("工作人员的管辖区域；网格员为其网格所在社区。"),
    )
    grid = models.ForeignKey(
        "places.Grid",
        verbose_name=_("所属网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="workers",
    )
    display_name = models.CharField(_("姓名"), max_length=64, blank=True)
    must_change_password = models.BooleanField(
        _("须更改密码"),
        default=False,
        help_text=_("管理员重置密码后，用户下次登录须先设置自己的新密码。"),
    )

    objects = ShezhiUserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    def clean(self) -> None:
        super().clean()
        expected = ROLE_LEVEL.get(Role(self.role))
        if self.role == Role.GRID_WORKER and self.grid is None:
            raise ValidationError({"grid": _("网格员必须指定网格")})
        if self.grid is not None:
            self.division = self.grid.community
        if self.division is not None and expected and self.division.level != expected:
            raise ValidationError(
                {"division": _("该角色的区划必须是%(level)s级") % {"level": expected.label}}
            )

    @property
    def area_prefix(self) -> str | None:
        """Leading digits of the 统计用区划代码 that this user's area covers, or None."""
        if self.division is None:
            return None
        return self.division.code[: PREFIX_LENGTH[self.division.level]]


def _hash_token(raw: str) -> str:
    # Tokens carry 256 random bits, so a plain SHA-256 is enough (no salt, no stretching):
    # the lookup is by this hash, so no comparison of the secret itself can leak timing.
    return hashlib.sha256(raw.encode()).hexdigest()


def default_token_expiry() -> Any:
    return timezone.now() + timedelta(days=settings.API_TOKEN_DAYS)


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def live(self) -> ApiTokenQuerySet:
        """Tokens that still authenticate: not revoked, not expired, of an active user."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now(), user__is_active=True)

    def authenticate(self, raw: str) -> User | None:
        """The active user owning this raw token, touching its last-used time."""
        if not raw or len(raw) > 128:
            return None
        token = self.live().select_related("user").filter(key_hash=_hash_token(raw)).first()
        if token is None:
            return None
        self.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.user


class ApiToken(models.Model):
    """A bearer token for the HTTP API (接口令牌). Only its hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=64)
    prefix = models.CharField(_("前缀"), max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("到期时间"), default=default_token_expiry)
    revoke_reason = models.CharField(_("吊销原因"), max_length=64, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @classmethod
    def issue(cls, *, user: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
        """Create a token valid for ``days`` (default API_TOKEN_DAYS); the raw key is returned once."""
        days = settings.API_TOKEN_DAYS if days is None else days
        if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
            raise ValidationError(
                _("有效期须在 1 到 %(max)d 天之间") % {"max": settings.API_TOKEN_MAX_DAYS}, code="token_days"
            )
        raw = "sz_" + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=raw[:8],
            key_hash=_hash_token(raw),
            expires_at=timezone.now() + timedelta(days=days),
        )
        return token, raw


class AccountAction(models.TextChoices):
    """What an administrator did to an account (账号变更)."""

    CREATED = "created", _("创建账号")
    CHANGED = "changed", _("修改角色或辖区")
    PASSWORD_RESET = "password_reset", _("重置密码")
    DEACTIVATED = "deactivated", _("停用")
    REACTIVATED = "reactivated", _("启用")
    GRID_STAFF = "grid_staff", _("网格长/网格警任免")


class AccountEvent(models.Model):
    """One change to an account or a grid's staff, by whom and when (账号审计记录).

    Written only by :mod:`shezhi.accounts.services` (and ``places.services`` for grid staff),
    in the same transaction as the change. The names are kept as they were at the time, so the
    record survives a renamed or deleted account.
    """

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("操作人"), max_length=150)
    target = models.ForeignKey(
        User, verbose_name=_("账号"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_name = models.CharField(_("账号"), max_length=150, blank=True)
    #: The area the change lies in (the target's division code, or the grid's community).
    area_code = models.CharField(_("区划代码"), max_length=12, blank=True, db_index=True)
    subject = models.CharField(_("对象"), max_length=80, blank=True, help_text=_("如网格编码"))
    action = models.CharField(_("操作"), max_length=20, choices=AccountAction.choices)
    #: ``{field: [before, after]}`` in display form (a password is never recorded).
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)

    class Meta:
        verbose_name = _("账号审计记录")
        verbose_name_plural = _("账号审计记录")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()} {self.target_name}"

    #: What each recorded field is called on the page.
    FIELD_LABELS = {
        "role": _("角色"),
        "division": _("所属区划"),
        "grid": _("所属网格"),
        "display_name": _("姓名"),
        "leader": _("网格长"),
        "police_officer": _("网格警"),
        "police_station": _("所属派出所"),
        "police_phone": _("网格警值班电话"),
    }

    def changes_display(self) -> list[tuple[str, str, str]]:
        """(field, before, after) in the reader's language; roles are stored as codes."""
        rows = []
        for name, (before, after) in self.changes.items():
            if name == "role":
                before, after = (str(Role(v).label) if v in Role.values else v for v in (before, after))
            rows.append((str(self.FIELD_LABELS.get(name, name)), before or "—", after or "—"))
        return rows
