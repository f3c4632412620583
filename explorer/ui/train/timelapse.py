"""A run's time-lapse: scrub through the epochs and watch the latent map form next to the
loss curves; export it as a GIF. Reads what a checkpoint keeps (see explorer.vae.history)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st

from explorer import media
from explorer.datasets import registry
from explorer.media import timelapse
from explorer.ui import models, plots
from explorer.vae.config import TrainConfig
from explorer.vae.snapshots import snapshot_labels


@st.cache_data(max_entries=8, show_spinner=False)
def _labels(dataset: str, test_subset: int) -> np.ndarray:
    """For runs saved before their history kept the snapshot digits' labels."""
    return snapshot_labels(TrainConfig(dataset=dataset, test_subset=test_subset))


def timelapse_view(path: str, mtime: float) -> None:
    """The time-lapse of a saved model, or a line saying it kept none."""
    model, ckpt = models.load(path, mtime)
    history = ckpt.get("history") or {}
    kept = timelapse.history_timelapse(history)
    if kept is None:
        st.caption("This model kept no per-epoch snapshots, so it has no time-lapse.")
        return
    snaps, grids, epochs, labels = kept
    if labels is None:
        cfg = TrainConfig.from_dict(ckpt.get("train_config") or {})
        labels = _labels(model.cfg.dataset, cfg.test_subset)
    classes = registry.classes(model.cfg.dataset)
    lim = timelapse.timelapse_limit(snaps)  # the run's plane, over every kept epoch
    lims = timelapse.grid_lims(history, len(snaps))
    stem = Path(path).stem
    left, right = st.columns([1, 1], gap="large")
    with left:
        epoch = (st.select_slider("epoch", epochs, epochs[-1], key=f"tl_epoch_{stem}")
                 if len(epochs) > 1 else epochs[0])
        i = epochs.index(epoch)
        frame = timelapse.timelapse_frame(snaps[i], labels, classes, f"epoch {epoch}", lim,
                                          None if grids is None else grids[i], px=360,
                                          grid_lim=lims[i])
        st.image(media.png_data_uri(frame))
    with right:
        fig = plots.loss_figure(history.get("steps") or {}, history.get("epochs") or {},
                                height=380)
        ep = history.get("epochs") or {}
        if epoch in ep.get("epoch", []):
            fig.add_vline(x=ep["step"][ep["epoch"].index(epoch)], line_dash="dash",
                          line_color="#888")
        st.plotly_chart(fig, key=f"tl_loss_{stem}", config={"displayModeBar": False})
        st.caption(f"{len(snaps[0]):,} test digits encoded after each of {len(epochs)} kept "
                   "epochs; the dashed line marks the epoch shown.")
        st.download_button(
            "Time-lapse (GIF)",
            lambda: timelapse.timelapse_gif(snaps, labels, classes, epochs, grids,
                                            lims=lims),
            file_name=f"timelapse-{stem}.gif", mime="image/gif", on_click="ignore",
            icon=":material/download:", key=f"tl_gif_{stem}")
