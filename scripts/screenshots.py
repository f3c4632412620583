"""Screenshots of every tab for the README, taken in Debian's headless Chromium (software
WebGL, so the scatters are drawn): python scripts/screenshots.py [--out docs]"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from explorer.testing import IDLE, chromium, open_page, streamlit_server  # noqa: E402

TABS = {"Explore": "explore", "Draw or upload": "draw", "Interpolate": "interpolate",
        "Compare": "compare", "Train": "train"}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default="docs")
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--height", type=int, default=1000)
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    with streamlit_server() as srv, chromium() as browser:
        context, page = open_page(browser, srv.url)
        page.set_viewport_size({"width": a.width, "height": a.height})
        for tab, name in TABS.items():
            page.get_by_role("tab", name=tab).click()
            page.wait_for_timeout(300)
            page.wait_for_selector(IDLE, timeout=120_000)
            page.wait_for_timeout(2500)  # charts and images settle
            path = out / f"{name}.png"
            page.screenshot(path=str(path), full_page=True)
            print(f"wrote {path}")
        context.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
