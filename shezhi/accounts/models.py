"""Users (用户), their role and area, and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shezhi.accounts.roles import PREFIX_LENGTH, ROLE_LEVEL, Role


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

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    def clean(self) -> None:
        super().clean()
        expected = ROLE_LEVEL.get(Role(self.role))
        if self.role == Role.GRID_WORKER and self.grid is None:
            raise ValidationError({"grid": _("网格员必须指定网格 / a grid worker needs a grid")})
        if self.grid is not None:
            self.division = self.grid.community
        if self.division is not None and expected and self.division.level != expected:
            raise ValidationError(
                {
                    "division": _("该角色的区划必须是%(level)s级 / this role needs a %(level)s-level area")
                    % {"level": expected.label}
                }
            )

    @property
    def area_prefix(self) -> str | None:
        """Leading digits of the 统计用区划代码 that this user's area covers, or None."""
        if self.division is None:
            return None
        return self.division.code[: PREFIX_LENGTH[self.division.level]]


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def authenticate(self, raw: str) -> User | None:
        """The active user owning this raw token, touching its last-used time."""
        token = (
            self.select_related("user")
            .filter(key_hash=_hash_token(raw), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
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

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, user: User, name: str) -> tuple[ApiToken, str]:
        """Create a token; the raw key is returned once and never stored."""
        raw = "sz_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=raw[:8], key_hash=_hash_token(raw))
        return token, raw
