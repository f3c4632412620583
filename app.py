"""Latent Explorer: see and touch the 2-D latent space of a convolutional VAE.

    streamlit run app.py
"""

import streamlit as st

from explorer.ui.compare import compare_panel
from explorer.ui.explore import explore_panel
from explorer.ui.heap import freeze_long_lived
from explorer.ui.interpolate import interpolate_panel
from explorer.ui.plots import app_icon
from explorer.ui.sidebar import keep_widget_state, model_picker, select_model
from explorer.ui.train import train_panel
from explorer.ui.upload import upload_panel

st.set_page_config(page_title="Latent Explorer", page_icon=app_icon(),
                   layout="wide")

with st.sidebar:
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

freeze_long_lived()  # after the first runs: reruns no longer pay for a full GC
