"""Helpers of the browser tests: screenshots for humans, and pixels of them (Pillow)."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

#: Screenshots for a human to look at (gitignored).
RESULTS_DIR = Path(__file__).resolve().parents[2] / "test-results"


def screenshot(page_or_locator: Any, name: str) -> bytes:
    """Save a screenshot to test-results/<name>.png (whole page for a page); return the PNG."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    kwargs = {"full_page": True} if hasattr(page_or_locator, "goto") else {}
    return page_or_locator.screenshot(path=str(RESULTS_DIR / f"{name}.png"), **kwargs)


def decode_png(data: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """(width, height, pixels as RGB tuples) of a PNG screenshot."""
    with Image.open(io.BytesIO(data)) as image:
        rgb = image.convert("RGB")
        pixels = np.asarray(rgb).reshape(-1, 3).tolist()
        return rgb.width, rgb.height, [tuple(p) for p in pixels]


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
