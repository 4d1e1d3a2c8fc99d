"""Case photos: JPEG/PNG/WebP by content only, pixel-limited, re-encoded, served as images."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from shezhi.cases.models import Case, Category
from shezhi.cases.tests.helpers import inside

GIF_XSS = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    b"<html><body><script>fetch('/people/residents/?q=').then(r=>r.text()).then(alert)</script></body></html>"
)
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert(document.cookie)</script><rect width="10" height="10"/></svg>'
)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _form(world, photo) -> dict:
    lon, lat = inside(world.grid_a)
    return {
        "category": Category.objects.get(code="ZF01").pk,
        "description": "楼道堆放杂物",
        "lat": lat,
        "lon": lon,
        "reporter_name": "李四",
        "reporter_phone": "13900001111",
        "photo": photo,
    }


def _post(world, photo):
    before = Case.objects.count()
    response = _client(world.rita).post("/cases/new/", _form(world, photo))
    return response, Case.objects.count() - before


def _refused_at_the_field(response, reason: str = "JPEG、PNG 或 WebP") -> None:
    """The form comes back (200, as Django re-renders a bound form) with the reason next to
    the photo field and everything typed kept."""
    assert response.status_code == 200
    page = response.content.decode()
    assert reason in page
    assert "楼道堆放杂物" in page


def _png_bomb(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares ``width`` × ``height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    idat = chunk(b"IDAT", zlib.compress(b"\0" * 64))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + idat + chunk(b"IEND", b"")


def test_it_refuses_a_gif_with_a_script_named_html(world):
    response, created = _post(world, SimpleUploadedFile("scene.html", GIF_XSS, content_type="text/html"))
    _refused_at_the_field(response)
    assert created == 0


def test_it_refuses_a_gif_even_named_jpg(world):
    response, created = _post(world, SimpleUploadedFile("scene.jpg", GIF_XSS, content_type="image/jpeg"))
    _refused_at_the_field(response)
    assert created == 0


def test_it_refuses_an_svg(world):
    response, created = _post(world, SimpleUploadedFile("scene.svg", SVG, content_type="image/svg+xml"))
    _refused_at_the_field(response)
    assert created == 0


def test_it_refuses_a_decompression_bomb_with_a_field_error(world):
    bomb = _png_bomb(60_000, 60_000)  # 3.6 gigapixels in a few hundred bytes
    assert len(bomb) < 1000
    response, created = _post(world, SimpleUploadedFile("scene.png", bomb, content_type="image/png"))
    _refused_at_the_field(response, "像素过多")
    assert created == 0


def test_the_pixel_limit_is_a_setting(world, settings):
    settings.SHEZHI_PHOTO_MAX_PIXELS = 100
    buf = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buf, "PNG")
    photo = SimpleUploadedFile("scene.png", buf.getvalue(), content_type="image/png")
    response, created = _post(world, photo)
    _refused_at_the_field(response, "像素过多")
    assert created == 0


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 20), (10, 120, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    exif[0x010F] = "PhoneMaker"
    gps = {1: "N", 2: (30.0, 39.0, 41.0), 3: "E", 4: (104.0, 4.0, 12.0)}
    exif[0x8825] = gps
    buf = io.BytesIO()
    image.save(buf, "JPEG", exif=exif)
    data = buf.getvalue()
    with Image.open(io.BytesIO(data)) as check:
        assert check.getexif().get_ifd(0x8825)  # the GPS really is in the upload
    return data


def test_it_strips_exif_gps_and_keeps_the_orientation(world):
    photo = SimpleUploadedFile("IMG_0001.JPG", _jpeg_with_gps(), content_type="image/jpeg")
    response, created = _post(world, photo)
    assert response.status_code == 302
    assert created == 1
    case = Case.objects.get(reporter=world.rita, photo__gt="")
    assert case.photo.name.endswith(".jpg")
    assert "IMG_0001" not in case.photo.name
    with case.photo.open("rb") as fh, Image.open(fh) as stored:
        exif = stored.getexif()
        assert not exif.get_ifd(0x8825)
        assert 0x010F not in exif
        assert stored.size == (20, 40)  # the rotation was applied, not left to a tag


def test_photos_are_served_as_images_with_nosniff(world):
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, "WEBP")
    photo = SimpleUploadedFile("scene.webp", buf.getvalue(), content_type="image/webp")
    response, created = _post(world, photo)
    assert response.status_code == 302
    case = Case.objects.get(reporter=world.rita, photo__gt="")
    served = _client(world.alice).get(f"/cases/{case.code}/photo/")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/webp"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"] == f'inline; filename="{case.code}.webp"'
    assert "sandbox" in served["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("name", "content"), [("old.html", GIF_XSS), ("old.svg", SVG), ("old.jpg", b"<script>x</script>")]
)
def test_a_stored_file_that_is_not_a_photo_is_never_served_as_html(world, name, content):
    """Photos stored before this check (as they came) are judged by content when served."""
    case = Case.objects.filter(grid__path__startswith=world.grid_a.path).first()
    case.photo.save(name, ContentFile(content), save=True)
    served = _client(world.alice).get(f"/cases/{case.code}/photo/")
    if served.status_code == 200:
        body_type = served["Content-Type"]
        assert body_type.startswith("image/")
        assert "svg" not in body_type
        assert served["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in served["Content-Security-Policy"]
    else:
        assert served.status_code == 404
