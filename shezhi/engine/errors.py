"""Exceptions of the engine: each names what is wrong and where, never a silent wrong number."""

from __future__ import annotations

from collections.abc import Sequence


class EngineError(ValueError):
    """Base class of every error the engine raises on bad input."""


class NetworkError(EngineError):
    """The walking network cannot be built or read (not a PBF, empty, falls apart)."""


class InputError(EngineError):
    """Input arrays are malformed: NaN or out-of-range coordinates, mismatched lengths."""


class SnapError(EngineError):
    """Points lie farther from every edge than the allowed distance."""

    def __init__(self, message: str, *, far: Sequence[int]) -> None:
        super().__init__(message)
        self.far = list(far)


class CoordinateSystemError(EngineError):
    """Points plainly do not match the coordinate system they were declared in."""


class CategoryError(EngineError):
    """A facility category cannot be used (no facilities, bad capacity)."""


def preview(indices: Sequence[int], limit: int = 5) -> str:
    """A short list of row indices for an error message: ``3, 7, 12 … (9 in all)``."""
    head = ", ".join(str(int(i)) for i in list(indices)[:limit])
    return head if len(indices) <= limit else f"{head} … ({len(indices)} in all)"
