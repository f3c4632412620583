"""Latent Explorer: see and touch the 2-D latent space of a convolutional VAE.

    streamlit run app.py

The first page (the Explore tab) needs neither torch nor Plotly: it is drawn from what
explorer/page/prepared.py keeps on disk, and the page runs the model itself. Each other tab
imports what it needs when it is opened; explorer/ui/warmup.py imports it all in the
background once the first page is out.
"""

import importlib

import streamlit as st

from explorer.errors import DataError
from explorer.ui import identity, models, warmup
from explorer.ui.gc_freeze import freeze_long_lived
from explorer.ui.icon import app_icon
from explorer.ui.sidebar import keep_widget_state, model_picker, unavailable_message
from explorer.ui.style import page_style

warmup.one_torch_thread()  # before anything imports torch: a setting of the whole process

st.set_page_config(page_title="Latent Explorer", page_icon=app_icon(), layout="wide")
page_style()

with st.sidebar:
    st.title("Latent Explorer")
    st.caption("A variational autoencoder squeezes every 28x28 digit into just two numbers, "
               "z[0] and z[1]. Move through that plane and watch what the decoder draws.")
    entry = model_picker()
    identity.identify()
if entry.missing:  # its dataset is not on this server: said here too, and nothing drawn
    st.warning(unavailable_message(entry), icon=":material/cloud_off:")
    st.stop()


def dataset_or_stop() -> None:
    """The tabs past Explore read the test set itself: say so plainly when it is gone."""
    dataset = models.page_data(entry.path, entry.mtime).meta["dataset"]
    try:
        models.dataset_ready(dataset)
    except DataError as e:
        st.error(f"The {dataset} test set this tab needs is missing: {e}")
        st.stop()


keep_widget_state()  # the closed tabs' settings survive while their widgets are not drawn
# Only the open tab runs, and imports its code: a page that shows Explore does no
# training-chart work, and many people on one 2-core server stay fast.
TABS = {  # label: (module, panel, whether it reads the test set itself)
    "Explore": ("explorer.ui.explore.tab", "explore_panel", False),
    "How it works": ("explorer.ui.how.tab", "how_panel", True),
    "Draw or upload": ("explorer.ui.draw.tab", "upload_panel", True),
    "Interpolate": ("explorer.ui.interpolate.tab", "interpolate_panel", True),
    "Compare": ("explorer.ui.compare.tab", "compare_panel", False),
    "Train": ("explorer.ui.train.tab", "train_panel", False),
}
for tab, (module, panel, reads_data) in zip(
        st.tabs(list(TABS), key="tab", on_change="rerun"), TABS.values(), strict=True):
    with tab:
        if tab.open:
            if reads_data:
                dataset_or_stop()
            getattr(importlib.import_module(module), panel)(entry)

warmup.start()  # torch and Plotly, in the background, for the other tabs
freeze_long_lived()  # after the first runs: reruns no longer pay for a full GC
