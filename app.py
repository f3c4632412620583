"""Latent Explorer: see and touch the 2-D latent space of a convolutional VAE.

    streamlit run app.py
"""

import pandas  # noqa: F401  (see below)
import streamlit as st

# Plotly and Streamlit look pandas up in sys.modules without importing it: while another
# session's first run is still importing it, they would find it half made (AttributeError:
# partially initialized module 'pandas'). The import above waits for that import to end.

# Streamlit's page loads Plotly's code (about a second of a 2-core machine) only when a
# first chart arrives. A new session gets a tiny empty chart (at the foot of the sidebar)
# before the imports below, which take two seconds or more in a new server, so that the
# page loads Plotly meanwhile; it is removed at the end of the run.
st.set_page_config(page_title="Latent Explorer", layout="wide")
sidebar = st.sidebar.container()
warmup = st.sidebar.empty()
if not st.session_state.get("plotly_loaded"):
    st.session_state.plotly_loaded = True
    clear = "rgba(0,0,0,0)"
    warmup.plotly_chart({"data": [{"x": [0], "y": [0], "visible": False}], "layout": {
        "height": 10, "margin": {"t": 0, "b": 0}, "paper_bgcolor": clear, "plot_bgcolor": clear,
        "xaxis": {"visible": False}, "yaxis": {"visible": False}}},
        key="plotly_warmup", theme=None, config={"staticPlot": True})

from explorer.ui.compare import compare_panel  # noqa: E402
from explorer.ui.explore import explore_panel  # noqa: E402
from explorer.ui.heap import freeze_long_lived  # noqa: E402
from explorer.ui.interpolate import interpolate_panel  # noqa: E402
from explorer.ui.plots import app_icon  # noqa: E402
from explorer.ui.sidebar import keep_widget_state, model_picker, select_model  # noqa: E402
from explorer.ui.train import train_panel  # noqa: E402
from explorer.ui.upload import upload_panel  # noqa: E402

st.set_page_config(page_icon=app_icon())

with sidebar:
    st.title("Latent Explorer")
    st.caption("A variational autoencoder squeezes every 28x28 digit into just two numbers, "
               "z[0] and z[1]. Move through that plane and watch what the decoder draws.")
    entry = model_picker()

keep_widget_state()  # the closed tabs' settings survive while their widgets are not drawn
# Only the open tab runs: a page that shows Explore does no training-chart work, and many
# people on one 2-core server stay fast.
explore, upload, interp, compare, train = st.tabs(
    ["Explore", "Draw or upload", "Interpolate", "Compare", "Train"], key="tab",
    on_change="rerun")
with explore:
    if explore.open:
        explore_panel(entry)
with upload:
    if upload.open:
        upload_panel(entry)
with interp:
    if interp.open:
        interpolate_panel(entry)
with compare:
    if compare.open:
        compare_panel(entry)
with train:
    if train.open:
        train_panel(select_model, entry)

warmup.empty()
freeze_long_lived()  # after the first runs: reruns no longer pay for a full GC
