"""Markers laid over Plotly charts in the page (a Components v2 component), so moving the
preview's z moves them without re-sending or redrawing the charts."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

_JS = (Path(__file__).parent / "static" / "plot_markers.js").read_text()
_component = st.components.v2.component("latent_explorer.plot_markers", js=_JS)


def plot_markers(markers: list[dict], key: str) -> None:
    """markers: [{"plot": chart key, "x": .., "y": .., "style": "cross"|"square", "size": px}]"""
    _component(data={"markers": markers, "group": key}, key=key)
