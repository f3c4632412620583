"""A throwaway app that mounts the latent pad next to two sliders and a preview decoded in
Python, for tests/test_latent_pad_browser.py and bench/pad.py.

`serve()` copies this file into a temporary folder and runs `streamlit run` on the copy, so
the bundles it publishes (static/latent-pad/) land there, never in the repo. The model is
LATENT_PAD_CKPT (default: the shipped one, else a seeded untrained conv VAE); the points are
the encoded MNIST test digits when the files are on disk, else Normal noise.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@contextmanager
def serve(static: bool = True, env: dict | None = None, timeout: float = 90.0):
    """Yields the server (explorer.testing.Server) once /_stcore/health answers."""
    sys.path.insert(0, str(REPO))
    from explorer.testing import streamlit_server

    folder = Path(tempfile.mkdtemp(prefix="latent-pad-app-"))
    shutil.copy(__file__, folder / "pad_app.py")
    if (REPO / ".streamlit" / "config.toml").is_file():  # the app's theme and server settings
        (folder / ".streamlit").mkdir()
        shutil.copy(REPO / ".streamlit" / "config.toml", folder / ".streamlit" / "config.toml")
    try:
        with streamlit_server({"PYTHONPATH": str(REPO), **(env or {})}, timeout,
                              folder / "pad_app.py", folder,
                              ("--server.enableStaticServing",
                               "true" if static else "false")) as server:
            server.folder = folder
            yield server
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def app() -> None:
    import numpy as np
    import streamlit as st
    import torch

    from explorer import checkpoint, data, latent, media
    from explorer.config import ModelConfig
    from explorer.model import build_model
    from explorer.ui.latent_pad import latent_pad

    @st.cache_resource
    def setup(path: str):
        if path and Path(path).is_file():
            model, _ = checkpoint.load(path)
            key = f"{path}:{Path(path).stat().st_mtime}"
        else:
            torch.manual_seed(0)
            model, key = build_model(ModelConfig()).eval(), "untrained-conv-seed-0"
        if not data.check_files(data.MNIST, data.default_root()):
            test = data.load_split("test")
            mu, labels = latent.encode_all(model, test.images)[0], test.labels.numpy()
        else:
            rng = np.random.default_rng(0)
            mu, labels = rng.normal(size=(10000, 2)), rng.integers(0, 10, 10000)
        return model, key, (mu, labels)

    st.set_page_config(page_title="Latent pad", layout="wide")
    default = str(checkpoint.PRETRAINED) if checkpoint.PRETRAINED.is_file() else ""
    model, key, points = setup(os.environ.get("LATENT_PAD_CKPT", default))
    st.session_state.setdefault("z0", 0.0)
    st.session_state.setdefault("z1", 0.0)
    st.session_state.setdefault("events", 0)

    def move(z) -> None:
        st.session_state.z0, st.session_state.z1 = z

    left, right = st.columns([3, 2], gap="large")
    with left:
        new = latent_pad(key, model, (st.session_state.z0, st.session_state.z1), points,
                         key="pad", on_change=move)
    if new is not None:
        st.session_state.events += 1
    with right:
        st.slider("z[0]", -4.0, 4.0, step=0.01, key="z0", format="%.2f")
        st.slider("z[1]", -4.0, 4.0, step=0.01, key="z1", format="%.2f")
        z = (st.session_state.z0, st.session_state.z1)
        st.image(media.picture(latent.decode_point(model, z), 140), width=140,
                 caption=f"python z = ({z[0]:.2f}, {z[1]:.2f})", output_format="PNG")
        st.caption(f"pad events: {st.session_state.events}; last: {new}")


if __name__ == "__main__":
    app()
