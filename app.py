"""Latent Explorer: see and touch the 2-D latent space of a convolutional VAE.

    streamlit run app.py

The first page (the Explore tab) needs neither torch nor Plotly: it is drawn from what
explorer/pagecache.py keeps on disk, and the page runs the model itself. Each other tab
imports what it needs when it is opened; explorer/ui/warmup.py imports it all in the
background once the first page is out.
"""

import streamlit as st

from explorer.errors import DataError
from explorer.ui import models, warmup
from explorer.ui.heap import freeze_long_lived
from explorer.ui.icon import app_icon
from explorer.ui.sidebar import keep_widget_state, model_picker, select_model

st.set_page_config(page_title="Latent Explorer", page_icon=app_icon(), layout="wide")

with st.sidebar:
    st.title("Latent Explorer")
    st.caption("A variational autoencoder squeezes every 28x28 digit into just two numbers, "
               "z[0] and z[1]. Move through that plane and watch what the decoder draws.")
    entry = model_picker()


def dataset_or_stop() -> None:
    """The tabs past Explore read the test set itself: say so plainly when it is gone."""
    dataset = models.page_data(entry.path, entry.mtime).meta["dataset"]
    try:
        models.dataset_ready(dataset)
    except DataError as e:
        st.error(f"The {dataset} test set this tab needs is missing: {e}")
        st.stop()


keep_widget_state()  # the closed tabs' settings survive while their widgets are not drawn
# Only the open tab runs (and imports its code): a page that shows Explore does no
# training-chart work, and many people on one 2-core server stay fast.
explore, upload, interp, compare, train = st.tabs(
    ["Explore", "Draw or upload", "Interpolate", "Compare", "Train"], key="tab",
    on_change="rerun")
with explore:
    if explore.open:
        from explorer.ui.explore import explore_panel

        explore_panel(entry)
with upload:
    if upload.open:
        dataset_or_stop()
        from explorer.ui.upload import upload_panel

        upload_panel(entry)
with interp:
    if interp.open:
        dataset_or_stop()
        from explorer.ui.interpolate import interpolate_panel

        interpolate_panel(entry)
with compare:
    if compare.open:
        from explorer.ui.compare import compare_panel

        compare_panel(entry)
with train:
    if train.open:
        from explorer.ui.train import train_panel

        train_panel(select_model, entry)

warmup.start()  # torch and Plotly, in the background, for the other tabs
freeze_long_lived()  # after the first runs: reruns no longer pay for a full GC
