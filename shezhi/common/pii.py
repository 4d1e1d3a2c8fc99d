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
* ``mask_*``: what everyone sees by default (``5101**********1234``, ``138****5678``, ``张*三``).
"""

from __future__ import annotations

import hashlib
import hmac
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
    """``510104199001011234`` → ``5101**********1234`` (first 4 and last 4 shown)."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


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
