"""Personal information (个人信息) at rest: encryption, blind indexes, masking.

* :func:`encrypt`/:func:`decrypt`: authenticated encryption (Fernet: AES-128-CBC with
  HMAC-SHA256) under the keys of ``settings.FIELD_ENCRYPTION_KEYS``. The first key
  encrypts; every key decrypts, so keys rotate by putting a new key first and re-encrypting
  (:func:`rotate`, ``manage.py rotate_field_keys``).
* :func:`blind_index`: a keyed HMAC-SHA256 of the normalised value under
  ``settings.BLIND_INDEX_KEY``, so an ID number is found by equality without decrypting
  the table and without a rainbow table working against it.
* :class:`EncryptedTextField`: a model field that stores only ciphertext and refuses
  lookups other than ``isnull`` (use the blind index to search).
* ``mask_*``: what everyone sees by default (``5101************34``, ``138****5678``, ``张*三``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


class DecryptionError(Exception):
    """A stored value that no configured key opens (tampered, or its key was removed)."""


@lru_cache(maxsize=4)
def _fernets(keys: tuple[str, ...]) -> tuple[Fernet, ...]:
    """One plain :class:`Fernet` per configured key, current key first.

    We keep the list ourselves rather than reading it back out of :class:`MultiFernet`,
    whose internals are private and changed between releases of ``cryptography``.
    """
    if not keys:
        raise RuntimeError("FIELD_ENCRYPTION_KEYS is empty")
    return tuple(Fernet(k.encode() if isinstance(k, str) else k) for k in keys)


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet(list(_fernets(keys)))


def _current() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def _current_key() -> Fernet:
    return _fernets(tuple(settings.FIELD_ENCRYPTION_KEYS))[0]


def generate_key() -> str:
    """A new random field-encryption key (urlsafe base64 of 32 bytes)."""
    return Fernet.generate_key().decode()


def encrypt(value: str) -> str:
    """Ciphertext of ``value`` under the current (first) key."""
    return _current().encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str:
    """Plain text of a stored value; :class:`DecryptionError` if no key opens it."""
    try:
        return _current().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as exc:
        raise DecryptionError("stored value cannot be decrypted with the configured keys") from exc


def rotate(token: str) -> str:
    """The same plain text re-encrypted under the current key."""
    try:
        return _current().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise DecryptionError("stored value cannot be decrypted with the configured keys") from exc


def is_current(token: str) -> bool:
    """Whether the current key opens ``token`` (so it needs no rotation)."""
    try:
        _current_key().decrypt(token.encode("ascii"))
    except InvalidToken:
        return False
    return True


def blind_index(value: str, *, kind: str) -> str:
    """Keyed HMAC-SHA256 (hex) of a normalised value; ``kind`` separates ID numbers from phones."""
    key = settings.BLIND_INDEX_KEY
    key_bytes = key.encode() if isinstance(key, str) else key
    return hmac.new(key_bytes, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """Text stored encrypted (Fernet token); Python code sees plain text.

    Only ``isnull`` lookups work: ciphertext is randomised, so equality on it is
    meaningless. Look values up through a blind index column instead.
    """

    description = "Text encrypted at rest"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            return None  # Django then raises FieldError: unsupported lookup
        return super().get_lookup(lookup_name)


# --------------------------------------------------------------------------- masking


def mask_id_number(value: str | None) -> str:
    """``510104199001011234`` → ``5101************34`` (first 4 and last 2 shown).

    Pages show a resident's age and sex beside the mask, which already give away the birth
    date to a year and the parity of the sequence number. With the last four shown, the
    candidates left were about thirty; with the last two (the sex digit, redundant, and the
    check digit) they are tens of thousands per person (365 days × 50 sequence numbers × the
    counties of the prefix, one in eleven passing the check digit).
    """
    if not value:
        return ""
    if len(value) <= 6:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 6) + value[-2:]


def mask_phone(value: str | None) -> str:
    """``13812345678`` → ``138****5678``."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str | None) -> str:
    """``张三丰`` → ``张*丰``, ``张三`` → ``张*``, ``欧阳娜娜`` → ``欧**娜``."""
    if not value:
        return ""
    if len(value) == 1:
        return "*"
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


# ------------------------------------------------------------------------ key rotation


def encrypted_columns() -> list[tuple[type[models.Model], str]]:
    """Every (model, column) of an :class:`EncryptedTextField`, history tables included."""
    from django.apps import apps

    return [
        (model, f.column)
        for model in apps.get_models()
        for f in model._meta.concrete_fields
        if isinstance(f, EncryptedTextField)
    ]


def rotate_column(model: type[models.Model], column: str, *, batch: int = 2000) -> tuple[int, int]:
    """Re-encrypt under the current key every value of ``column`` that an older key opened.

    Works on the raw column (no model save, so no history rows and no signals), in batches
    by primary key, each batch in its own transaction. Returns (values seen, values rotated).
    """
    from django.db import connection, transaction

    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    col = connection.ops.quote_name(column)
    seen = rotated = 0
    last: Any = None
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            where = f"{col} IS NOT NULL AND {col} <> ''" + (f" AND {pk} > %s" if last is not None else "")
            cursor.execute(
                f"SELECT {pk}, {col} FROM {table} WHERE {where} ORDER BY {pk} LIMIT {int(batch)}",  # noqa: S608
                [last] if last is not None else [],
            )
            rows = cursor.fetchall()
            if not rows:
                return seen, rotated
            updates = [(rotate(token), key) for key, token in rows if not is_current(token)]
            if updates:
                cursor.executemany(f"UPDATE {table} SET {col} = %s WHERE {pk} = %s", updates)  # noqa: S608
            seen += len(rows)
            rotated += len(updates)
            last = rows[-1][0]


# ------------------------------------------------------------------- free text

#: A run of digits that may be an ID number or a phone typed into free text: digits with
#: single spaces or hyphens between them, an optional +86/0086 in front, an optional X at the
#: end. Letters and digits may not touch it (Chinese characters may: "电话13812345678联系").
_FREE_TEXT_NUMBER_RE = re.compile(
    r"(?<![0-9A-Za-z])(?:(?:\+|00)?86[\s\-]?)?\d(?:[\s\-]?\d){6,17}(?:[\s\-]?[Xx])?(?![0-9A-Za-z])"
)
_LANDLINE_RE = re.compile(r"^0\d{9,11}$")  # area code 0xx/0xxx + 7–8 digits


def redact_free_text(text: str | None) -> str:
    """Free text with every ID number and phone number in it masked.

    Residents type their phone or ID number into a case's description; whoever reads the
    text without handling the case must not learn it. ``"请联系138 1234 5678"`` →
    ``"请联系138****5678"``; an 18- or 15-character ID number → :func:`mask_id_number`;
    a landline with its area code (``028-85551234``) keeps only the area code. Numbers that
    are neither (amounts, dates, house numbers) are left alone.
    """
    if not text:
        return text or ""

    def replace(match: re.Match[str]) -> str:
        raw = match.group(0)
        digits = re.sub(r"[^0-9Xx]", "", raw).upper()
        national = re.sub(r"^(?:0086|86)(?=1[3-9]\d{9}$)", "", digits)
        if re.fullmatch(r"1[3-9]\d{9}", national):
            return mask_phone(national)
        if re.fullmatch(r"\d{17}[\dX]|\d{15}", digits):
            return mask_id_number(digits)
        if _LANDLINE_RE.fullmatch(digits):
            area = 3 if digits[1] in "12" else 4  # 010, 02x are three digits; others four
            return digits[:area] + "-" + "*" * (len(digits) - area)
        return raw

    return _FREE_TEXT_NUMBER_RE.sub(replace, text)
