"""Screenshots of every tab for the README, taken in Debian's headless Chromium (software
WebGL, so the scatters are drawn): python scripts/screenshots.py [--out docs]"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image  # noqa: E402

from tooling.browser import (  # noqa: E402
    IDLE,
    chromium,
    new_page,
    point,
    streamlit_server,
    wait_drawn,
)

TABS = {"Explore": "explore", "How it works": "how", "Draw or upload": "draw",
        "Interpolate": "interpolate", "Compare": "compare", "Train": "train"}


def draw_a_two(page) -> None:
    """Draw a 2 on the Draw tab's pad: an arc, a diagonal and a base line."""
    canvas = page.locator('[data-testid="drawPadCanvas"]')
    canvas.wait_for(timeout=30_000)
    box = canvas.bounding_box()
    arc = [(140 + 55 * math.cos(a), 105 - 45 * math.sin(a))
           for a in (math.pi * (1 - i / 12) for i in range(13))]
    path = [*arc[:9], (150, 150), (110, 195), (85, 225), (140, 225), (205, 222)]
    page.mouse.move(box["x"] + path[0][0], box["y"] + path[0][1])
    page.mouse.down()
    for x, y in path[1:]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=4)
        page.wait_for_timeout(30)
    page.mouse.up()
    page.wait_for_selector("text=Latent mean", timeout=60_000)


def save(page, path: Path, full_page: bool = True) -> None:
    page.screenshot(path=str(path), full_page=full_page)
    # 256 colours: a third of the bytes, no visible change for flat UI colours
    Image.open(path).convert("RGB").quantize(256, dither=Image.Dither.NONE).save(
        path, optimize=True)
    print(f"wrote {path}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default="docs")
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--height", type=int, default=1000)
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    with streamlit_server() as srv, chromium() as browser:
        context, page = new_page(browser, srv.url, phone=True)
        wait_drawn(page)
        page.wait_for_timeout(1000)
        save(page, out / "explore-phone.png", full_page=False)  # the first screen of a phone
        context.close()
        context, page = new_page(browser, srv.url, viewport=(a.width, a.height))
        wait_drawn(page)
        for tab, name in TABS.items():
            page.get_by_role("tab", name=tab).click()
            page.wait_for_timeout(300)
            page.wait_for_selector(IDLE, timeout=120_000)
            if name == "draw":
                draw_a_two(page)
            if name == "how":  # the digit clicked on Explore, through the model
                page.locator(".lw[data-recon]").wait_for(timeout=60_000)
            if name == "explore":
                wait_drawn(page)
                page.mouse.click(*point(page, 11)["xy"])  # a test digit beside its reconstruction
            page.wait_for_timeout(2500)  # charts and images settle
            save(page, out / f"{name}.png")
        context.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
