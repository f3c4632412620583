"""The Explore view as one Streamlit Components v2 element: the page runs it all
(explorer/page/web/view.js: pad, sliders, preview, scatter, clicked digit, manifold) and tells
Python what was set.

The view's script and the model's data files travel once per page as content-hash files
(explorer/ui/component.py). Python hears of z on release, key up, paste and click, as
`on_pick(z, selected)`, in the callback phase before the rerun (so it may set widget keys).

    explore_view(page, (z0, z1), selected, key="explore", on_pick=move_to)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from explorer.datasets import registry
from explorer.page import web
from explorer.page.prepared import PageData
from explorer.ui.component import PageComponent

VIEW = PageComponent("explore", web.HERE / "explore_view.js")


def as_z(value, lim: float) -> tuple[float, float] | None:
    """[x, y] from the page -> z rounded to 0.01 and clipped to ±lim (how far out the page
    may set z: explore.reach), or None."""
    try:
        x, y = float(value[0]), float(value[1])
    except (TypeError, ValueError, IndexError, KeyError):
        return None
    if not (np.isfinite(x) and np.isfinite(y)):
        return None
    return (float(np.clip(round(x, 2), -lim, lim)), float(np.clip(round(y, 2), -lim, lim)))


def as_index(value, n: int) -> int | None:
    """A test digit's index from the page, or None when it is not one of 0..n-1."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        return None
    return int(value) if 0 <= value < n else None


def explore_view(page: PageData, z: tuple[float, float], selected: int | None, *,
                 key: str = "explore", lim: float = 400.0,
                 on_pick: Callable[[tuple[float, float], int | None], None] | None = None,
                 fallback: dict | None = None,
                 on_grid: Callable[[dict], None] | None = None) -> None:
    """Draw the view at z with test digit `selected` (or None) shown.

    on_pick(z, selected) runs when the page sets z (selected: the clicked test digit, or
    None when z was set otherwise). fallback: for a model whose network the page cannot
    run, Python's pictures ({"reason", "z", "preview", "recon", "grid"}: data URIs), and
    on_grid(settings) hears the manifold's settings ({"n", "lim", "spacing"}) from the page.
    """
    def picked() -> None:
        pick = (st.session_state.get(key) or {}).get("pick")
        if not isinstance(pick, dict) or on_pick is None:
            return
        new_z = as_z(pick.get("z"), lim)
        if new_z is not None:
            on_pick(new_z, as_index(pick.get("selected"), page.meta["points"]))

    def grid_changed() -> None:
        grid = (st.session_state.get(key) or {}).get("grid")
        if isinstance(grid, dict) and on_grid is not None:
            on_grid(grid)

    page_file, digits = VIEW.file(page, "page.bin"), VIEW.file(page, "digits.bin")
    data = {"classes": page.meta["classes"],
            "noun": registry.noun(page.meta["dataset"]),
            "z": [round(float(z[0]), 4), round(float(z[1]), 4)],
            "selected": selected, "page": page_file, "digits": digits, "fallback": fallback}
    VIEW.mount(data, [page_file, digits], key=key, on_pick_change=picked,
               on_grid_change=grid_changed)
