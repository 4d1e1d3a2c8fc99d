"""Helpers of the browser tests: screenshots for humans, and a tiny PNG reader."""

from __future__ import annotations

import struct
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

#: Screenshots for a human to look at (gitignored).
RESULTS_DIR = Path(__file__).resolve().parents[2] / "test-results"


def screenshot(page_or_locator: Any, name: str) -> bytes:
    """Save a screenshot to test-results/<name>.png (whole page for a page); return the PNG."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    kwargs = {"full_page": True} if hasattr(page_or_locator, "goto") else {}
    return page_or_locator.screenshot(path=str(RESULTS_DIR / f"{name}.png"), **kwargs)


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def decode_png(data: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """(width, height, pixels as RGB(A) tuples) of an 8-bit, non-interlaced RGB/RGBA PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat = 8, bytearray()
    width = height = bpp = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour not in (2, 6) or interlace:
                raise ValueError(
                    f"unsupported PNG: depth {depth}, colour type {colour}, interlace {interlace}"
                )
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    raw = zlib.decompress(bytes(idat))
    stride = width * bpp
    prev = bytearray(stride)
    pixels: list[tuple[int, ...]] = []
    for y in range(height):
        start = y * (stride + 1)
        filt, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if filt == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif filt == 2:
            line = bytearray((x + p) & 0xFF for x, p in zip(line, prev, strict=True))
        elif filt == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif filt == 4:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                upleft = prev[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + _paeth(left, prev[i], upleft)) & 0xFF
        elif filt != 0:
            raise ValueError(f"bad PNG filter {filt}")
        pixels.extend(tuple(line[i : i + bpp]) for i in range(0, stride, bpp))
        prev = line
    return width, height, pixels


def non_background(pixels: list[tuple[int, ...]], tolerance: int = 24) -> tuple[tuple[int, ...], int, int]:
    """(background colour, pixels that clearly differ from it, distinct colours among those).

    The background is the most common colour of the image.
    """
    counts = Counter(p[:3] for p in pixels)
    background = counts.most_common(1)[0][0]
    differing = {
        colour: n
        for colour, n in counts.items()
        if max(abs(c - b) for c, b in zip(colour, background, strict=True)) > tolerance
    }
    return background, sum(differing.values()), len(differing)


#: JavaScript: true once the Leaflet map in ``selector`` has finished zooming and its
#: canvases hold painted pixels.
_PAINTED = """(selector) => {
  const el = document.querySelector(selector);
  if (!el || el.dataset.ready !== "1" || el.querySelector(".leaflet-zoom-anim")) { return false; }
  const canvases = Array.from(el.querySelectorAll("canvas"));
  return canvases.length > 0 && canvases.some((c) => {
    const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) { return true; } }
    return false;
  });
}"""


def wait_map_painted(page: Any, selector: str, timeout: float = 30_000) -> None:
    """Wait for ``selector[data-ready="1"]``, then for Leaflet to paint its canvas.

    ``data-ready`` is set right after ``fitBounds``, while Leaflet may still be animating
    the zoom; the canvas is repainted only when the animation ends.
    """
    # page.goto() has waited for the load event, so map.js has run by now if it loaded.
    started = page.evaluate(
        "(s) => Boolean(document.querySelector(s)?.classList.contains('leaflet-container'))",
        selector,
    )
    assert started, f"no Leaflet map was created in {selector}: leaflet.js or map.js did not load or run"
    page.wait_for_selector(f'{selector}[data-ready="1"]', state="attached", timeout=timeout)
    try:
        page.wait_for_function(_PAINTED, arg=selector, timeout=10_000)
    except Exception as exc:
        raise AssertionError(f"{selector} is ready but its canvas stays blank") from exc
    # One more frame so the last repaint is on screen.
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


def open_map(page: Any) -> dict[str, Any]:
    """Open /places/map/, wait until drawn, return ``window.shezhiMap.status``."""
    page.goto("/places/map/")
    assert page.evaluate("() => typeof window.shezhiMap") == "object", "map.js did not run on /places/map/"
    page.wait_for_selector('#map[data-ready="1"], #map[data-error]', state="attached", timeout=30_000)
    error = page.locator("#map").get_attribute("data-error")
    assert error is None, f"map failed to load: {error}"
    assert page.locator("p.error").count() == 0
    wait_map_painted(page, "#map")
    return page.evaluate("() => window.shezhiMap.status")
