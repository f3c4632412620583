"""The Compare tab: two saved models side by side (latent scatters, manifolds, per-epoch
curves and metrics cards), e.g. beta 0.5 against beta 4, or two seeds."""

from __future__ import annotations

import streamlit as st

from explorer import media
from explorer.datasets import reading
from explorer.plane import extent, latent
from explorer.ui import identity, models, plots
from explorer.ui.models import ModelEntry
from explorer.ui.sidebar import unavailable_message
from explorer.vae import checkpoint

ROWS = (  # (row name, where, key, format)
    ("dataset", "model", "dataset", "{}"), ("network", "model", "arch", "{}"),
    ("likelihood", "model", "likelihood", "{}"), ("beta", "train_config", "beta", "{:g}"),
    ("learning rate", "train_config", "lr", "{:g}"),
    ("batch size", "train_config", "batch_size", "{}"), ("seed", "train_config", "seed", "{}"),
    ("epochs", "metrics", "epochs_done", "{:g}"), ("seconds", "metrics", "seconds", "{:.0f}"),
    ("test ELBO (nats)", "metrics", "test_elbo", "{:.2f}"),
    ("reconstruction", "metrics", "test_recon", "{:.2f}"), ("KL", "metrics", "test_kl", "{:.2f}"),
)


def card_rows(ckpt: dict) -> list[str]:
    card = checkpoint.card(ckpt)
    out = []
    for _, where, key, fmt in ROWS:
        v = card[where].get(key)
        out.append("-" if v is None else fmt.format(v))
    return out


@st.cache_data(max_entries=16, show_spinner=False)
def manifold_png(path: str, mtime: float, lim: float, n: int = 12) -> str:
    """The manifold over ±lim as a PNG data URI (no media file for the page to fetch)."""
    model, _ = models.load(path, mtime)
    return media.png_data_uri(media.grid_image(latent.decode_grid(model, n, -lim, lim), 40))


def compare_panel(entry: ModelEntry) -> None:
    entries = models.available_models(identity.owner())
    by_path = {e.path: e for e in entries}
    if len(entries) < 2:
        st.info("There is only one model here. Train another on the **Train** tab (try beta 4, "
                "or another seed) or with `train_cli.py`, then compare them here.")
        return
    st.markdown("Two models side by side: how the latent map, the decoded manifold and the "
                "ELBO's split change with beta, the network, the likelihood or the seed.")
    others = sorted((p for p in by_path if p != entry.path), key=lambda p: bool(by_path[p].missing))
    for key, default in (("cmp_a", entry.path), ("cmp_b", others[0])):
        if st.session_state.get(key) not in by_path:  # first visit, or its file was removed
            st.session_state[key] = default
    label = {p: e.label for p, e in by_path.items()}
    a, b = st.columns(2, gap="large")
    chosen = []
    for col, key, name in ((a, "cmp_a", "Model A"), (b, "cmp_b", "Model B")):
        with col:
            path = st.selectbox(name, list(by_path), key=key, format_func=label.get)
            chosen.append(by_path[path])
    loaded = []
    for e in chosen:
        if e.missing:
            st.warning(unavailable_message(e), icon=":material/cloud_off:")
            return
        try:
            model, ckpt = models.load(e.path, e.mtime)
            models.dataset_ready(model.cfg.dataset)
        except checkpoint.CheckpointError as err:
            st.error(f"{e.label} cannot be loaded: {err.reason}")
            return
        except reading.DataError as err:
            st.error(f"The test set {e.label} is shown with is missing: {err}")
            return
        loaded.append(ckpt)
    halves = [models.page_data(e.path, e.mtime).extent for e in chosen]
    same = halves[0] == halves[1]
    for col, e, half in zip((a, b), chosen, halves, strict=True):
        g = extent.grid_range(half)
        with col:
            st.plotly_chart(models.test_scatter(e.path, e.mtime, height=430, point_size=3),
                            key=f"chart_cmp_{col is a}", config={"displaylogo": False})
            st.caption(f"Over ±{half:g}, the square that holds 99.5% of this model's test "
                       "digits" + (" (both models' planes are this wide)." if same else
                                   ": each model on its own plane, so mind the axes. Zoom "
                                   "out to see the digits beyond."))
            st.image(manifold_png(e.path, e.mtime, g),
                     caption=f"manifold over [{-g:g}, {g:g}]², 12 x 12")
    st.subheader("Metrics cards")
    st.table({"": [r[0] for r in ROWS], "Model A": card_rows(loaded[0]),
              "Model B": card_rows(loaded[1])})
    names = {"A": loaded[0].get("history"), "B": loaded[1].get("history")}
    if any((h or {}).get("epochs", {}).get("epoch") for h in names.values()):
        st.subheader("Test -ELBO and KL per epoch")
        st.plotly_chart(plots.compare_figure(names), key="chart_cmp_curves",
                        config={"displayModeBar": False})
        st.caption("Lower -ELBO is better. A larger beta buys a smaller KL (a smoother, more "
                   "prior-like map) with a larger reconstruction cost.")
