"""The baseline of `python -m bench.browser latency`: the latent explorer written the plain
Streamlit way. Two sliders, the decoded preview and the scatter of the 10,000 encoded test
digits (clickable through `st.plotly_chart(on_select=...)`, the preview's z drawn as a
trace), the whole script rerunning on every action. Same model, same preview picture, same
caption as app.py, so the same probe measures both.

    streamlit run bench/baseline_app.py
"""

import numpy as np
import streamlit as st

import explorer
from explorer import media
from explorer.datasets import reading
from explorer.plane import latent
from explorer.ui import plots


@st.cache_resource
def encoded():
    model = explorer.load_model()
    test = reading.load_split("test")
    mu, _ = latent.encode_all(model, test.images)
    return model, mu, test.labels.numpy()


def clicked() -> None:
    points = st.session_state.scatter.selection.get("points", [])
    if points:
        cd = points[0]["customdata"]
        z = mu[int(cd[0] if isinstance(cd, list) else cd)]
        st.session_state.z0, st.session_state.z1 = (round(float(v), 2) for v in z)


model, mu, labels = encoded()
st.set_page_config(page_title="Latent explorer (baseline)", layout="wide")
left, right = st.columns([3, 2], gap="large")
with right:
    z0 = st.slider("z[0]", -4.0, 4.0, 0.0, 0.01, key="z0", format="%.2f")
    z1 = st.slider("z[1]", -4.0, 4.0, 0.0, 0.01, key="z1", format="%.2f")
    st.image(media.picture(latent.decode_point(model, (z0, z1)), 140), width=140,
             caption=f"decoded at z = ({z0:.2f}, {z1:.2f})", output_format="PNG")
with left:
    fig = plots.latent_scatter(mu, labels, reading.DATASETS["mnist"].classes, (z0, z1),
                               index=np.arange(len(mu)))
    st.plotly_chart(fig, key="scatter", on_select=clicked, selection_mode="points")
