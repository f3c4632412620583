"""The few style rules the page needs beyond Streamlit's theme, sent once per run as a
style-only `st.html` (which takes no room on the page)."""

from __future__ import annotations

import streamlit as st

# On a phone (390 px) the six tab names do not fit one line: Streamlit scrolls the bar and
# hides the last tabs behind a small arrow that a newcomer misses. Wrapped onto two lines,
# every tab is in sight.
CSS = """<style>
.st-key-tab [role="tablist"] { flex-wrap: wrap; row-gap: 0.15rem; overflow: visible; }
</style>"""


def page_style() -> None:
    st.html(CSS)
