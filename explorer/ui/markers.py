"""Markers laid over Plotly charts in the page (a Components v2 component), so moving the
preview's z moves them without re-sending or redrawing the charts; and clicks on those
charts' points, reported to Python without a Plotly selection (see static/plot_markers.js).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from explorer.page import web

_JS = (web.HERE / "plot_markers.js").read_text()
_component = st.components.v2.component("latent_explorer.plot_markers", js=_JS)


def plot_markers(markers: list[dict], key: str, picks: tuple[str, ...] = (),
                 on_pick: Callable[[dict], None] | None = None) -> None:
    """markers: [{"plot": chart key, "x": .., "y": .., "style": "cross"|"square", "size": px}]

    picks: keys of charts whose clicked points are reported: on_pick(point) runs in the
    callback phase (before the rerun of the fragment that draws this), with point =
    {"plot": chart key, "x": .., "y": .., "customdata": the point's customdata or None}.
    It comes from the page: check it before use.
    """

    def picked() -> None:
        point = (st.session_state.get(key) or {}).get("pick")
        if isinstance(point, dict) and on_pick is not None:
            on_pick(point)

    _component(data={"markers": markers, "group": key, "pick": list(picks)}, key=key,
               on_pick_change=picked)
