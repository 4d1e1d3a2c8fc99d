"""Changes to accounts: API tokens issued, revoked."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shezhi.accounts.models import ApiToken, User


def token_issue(*, user: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for the user; the raw key is returned once and never stored."""
    return ApiToken.issue(user=user, name=name.strip()[:64] or "api", days=days)


def token_revoke(*, token: ApiToken, reason: str = "") -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoke_reason = (reason or _("已手动吊销"))[:64]
        token.save(update_fields=["revoked_at", "revoke_reason"])


@transaction.atomic
def revoke_all_tokens(*, user: User, reason: str) -> int:
    """Revoke every token of the user still unrevoked (password change, account closed)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoke_reason=reason[:64]
    )
