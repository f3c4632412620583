"""The sidebar: the model picker and a short card of the chosen model."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import streamlit as st

from explorer.errors import CheckpointError, DataError, DatasetMissing
from explorer.ui import identity, models
from explorer.ui.models import ModelEntry


def select_model(path: str) -> None:
    """Callback: make `path` the model every tab shows."""
    st.session_state.model_path = path


def model_picker() -> ModelEntry:
    entries = models.available_models(identity.owner())
    if not entries:
        st.error("No model found: pretrained/ is empty and no run was saved in runs/.")
        st.stop()
    by_path = {e.path: e for e in entries}
    if st.session_state.get("model_path") not in by_path:
        st.session_state.model_path = next((e for e in entries if not e.missing), entries[0]).path
    st.selectbox("Model", list(by_path), key="model_path", format_func=lambda p: by_path[p].label,
                 help="The shipped model, and every model trained here or by train_cli.py "
                      "(saved in runs/).")
    entry = by_path[st.session_state.model_path]
    page = None
    if not entry.missing:
        try:
            page = models.page_data(entry.path, entry.mtime)
        except DatasetMissing as e:  # a first pick tried to fetch it, and could not
            entry = dataclasses.replace(entry, missing=e)
        except CheckpointError as e:
            st.error(f"This model cannot be loaded: {e.reason}")
            st.stop()
        except DataError as e:
            st.error(f"The test set this model is shown with is missing: {e}")
            st.stop()
    if page is None:
        st.warning(unavailable_message(entry), icon=":material/cloud_off:")
    else:
        st.caption("  \n".join(page.summary()))
    return entry


def unavailable_message(entry: ModelEntry) -> str:
    """Why a model cannot be shown on this server, and how to change that."""
    e = entry.missing
    return (f"**{Path(entry.path).stem}** is shown with {e.title}, which is not on this "
            f"server. Get it with `{e.get_it}`, then reload the page. Meanwhile, pick "
            "another model.")


KEEP = ("input_mode",)


def keep_widget_state() -> None:
    """Streamlit forgets a widget's value in a run that does not draw it; tabs that are not
    open are not drawn, so copy the values that should outlive a tab switch."""
    for key in KEEP:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
    for key in [k for k in st.session_state
                if isinstance(k, str) and k.startswith(("t_", "ip_", "prior_", "cmp_"))]:
        st.session_state[key] = st.session_state[key]
