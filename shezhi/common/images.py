"""Photos: accepted by content (JPEG, PNG or WebP only), decoded within a pixel limit,
re-encoded (which drops EXIF — GPS included — and anything hidden after the image data),
stored under a generated name, and served only as the image type they really are.

Limits are module defaults overridable by ``SHEZHI_PHOTO_MAX_BYTES`` and
``SHEZHI_PHOTO_MAX_PIXELS`` settings.
"""

from __future__ import annotations

import io
import warnings
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile

from shezhi.common.errors import Problem

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 48-megapixel phone's full size is refused; its usual 12 MP is fine

#: Pillow format → (extension, content type) of what is accepted from now on.
ACCEPTED = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
#: What may be served: also GIFs stored before GIF was refused (as an image, never as a page).
SERVED = ACCEPTED | {"GIF": ("gif", "image/gif")}


def max_bytes() -> int:
    return int(getattr(settings, "SHEZHI_PHOTO_MAX_BYTES", MAX_BYTES))


def max_pixels() -> int:
    return int(getattr(settings, "SHEZHI_PHOTO_MAX_PIXELS", MAX_PIXELS))


class CleanPhoto(ContentFile):
    """A photo already checked and re-encoded by :func:`photo_clean`."""

    content_type: str


def _problem(code: str, zh: str, en: str) -> list[Problem]:
    return [Problem(code, zh, en, "photo")]


def photo_clean(upload: IO[bytes] | Any) -> tuple[CleanPhoto | None, list[Problem]]:
    """(re-encoded photo, []) or (None, the reasons it is refused)."""
    if isinstance(upload, CleanPhoto):
        return upload, []
    from PIL import Image, ImageOps, UnidentifiedImageError

    cap = max_bytes()
    size = getattr(upload, "size", None)
    if size and size > cap:
        return None, _problem(
            "photo_too_large",
            f"照片不能超过 {cap // 1024 // 1024} MB",
            f"the photo must be at most {cap // 1024 // 1024} MB",
        )
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(cap + 1)
    if len(data) > cap:
        return None, _problem(
            "photo_too_large",
            f"照片不能超过 {cap // 1024 // 1024} MB",
            f"the photo must be at most {cap // 1024 // 1024} MB",
        )
    limit = max_pixels()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Only these decoders are tried: a GIF, SVG, HTML or anything else is "not a photo",
            # whatever its name says.
            with Image.open(io.BytesIO(data), formats=list(ACCEPTED)) as image:
                kind = image.format
                if image.width * image.height > limit:
                    raise Image.DecompressionBombError("too many pixels")
                image.load()
                upright = ImageOps.exif_transpose(image)
                if kind == "JPEG":
                    upright = upright.convert("RGB")
                elif upright.mode not in ("RGB", "RGBA", "L", "LA"):
                    upright = upright.convert("RGBA")
                out = io.BytesIO()
                # No exif=, no icc_profile=, no pnginfo=: metadata (GPS included) is not copied.
                if kind == "JPEG":
                    upright.save(out, "JPEG", quality=88, optimize=True)
                elif kind == "PNG":
                    upright.save(out, "PNG", optimize=True)
                else:
                    upright.save(out, "WEBP", quality=88)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return None, _problem(
            "photo_too_many_pixels",
            f"照片像素过多（最多 {limit // 1_000_000} 百万像素），请缩小后上传",
            f"the photo has too many pixels (at most {limit // 1_000_000} megapixels); resize it",
        )
    except UnidentifiedImageError:
        return None, _problem(
            "photo_format",
            "照片不是有效的图片文件（须为 JPEG、PNG 或 WebP）",
            "the photo is not a valid image (JPEG, PNG or WebP only)",
        )
    except (OSError, SyntaxError, ValueError, TypeError, EOFError, MemoryError):
        return None, _problem("photo_not_image", "照片不是有效的图片文件", "the photo is not a valid image")
    ext, content_type = ACCEPTED[kind]  # type: ignore[index]
    photo = CleanPhoto(out.getvalue(), name=f"photo.{ext}")
    photo.content_type = content_type
    return photo, []


def served_type(fh: IO[bytes]) -> tuple[str, str] | None:
    """(extension, content type) of a stored photo judged by its content, or None if it is
    not an image that may be served (it is then never served at all)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(fh, formats=list(SERVED)) as image:
                kind = image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    finally:
        fh.seek(0)
    return SERVED.get(kind or "")
