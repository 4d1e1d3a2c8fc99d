"""Password rules beyond Django's own validators, and what a password change ends.

Both classes are listed in ``AUTH_PASSWORD_VALIDATORS``: Django calls ``validate`` before
a password is set and ``password_changed`` after a user's new password is saved (by the
password-change page, the admin, ``changepassword``, ``demo_accounts --reset-passwords``:
every path that goes through ``User.set_password``).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

if TYPE_CHECKING:
    from shezhi.accounts.models import User

_CLASSES = (
    lambda c: c.islower(),
    lambda c: c.isupper(),
    lambda c: c.isdigit(),
    lambda c: not c.isalnum(),
)


def character_classes(password: str) -> int:
    """How many of lower case, upper case, digits and symbols the password uses."""
    return sum(any(test(c) for c in password) for test in _CLASSES)


class CharacterClassValidator:
    """At least ``min_classes`` of: lower-case letters, upper-case letters, digits, symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return ngettext(
            "密码须包含小写字母、大写字母、数字、符号中的至少 %(n)d 类。",
            "密码须包含小写字母、大写字母、数字、符号中的至少 %(n)d 类。",
            self.min_classes,
        ) % {"n": self.min_classes}


class ApiTokensDieWithPassword:
    """Validates nothing; when a password changes, the user's live API tokens are revoked."""

    def validate(self, password: str, user: Any = None) -> None:
        return None

    def password_changed(self, password: str, user: User | None = None) -> None:
        if user is None or user.pk is None:
            return
        from shezhi.accounts.services import revoke_all_tokens

        revoke_all_tokens(user=user, reason=_("密码已更改"))

    def get_help_text(self) -> str:
        return _("更改密码后，您的全部接口令牌随即失效。")


def random_password(user: User | None = None) -> str:
    """A random password of four groups (e.g. ``Kq7m-x3Pa-…``) that the validators accept."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/l/I
    while True:
        candidate = "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))
        try:
            validate_password(candidate, user)
        except ValidationError:
            continue
        return candidate
