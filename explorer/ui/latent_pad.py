"""The latent pad: a square over the latent plane that shows the decoded digit while the
pointer moves over it (a Streamlit Components v2 element, explorer/ui/static/latent_pad.*).

The decoder runs in the page (exported by explorer/export.py), so the preview morphs at the
display's frame rate; Python hears about z only when it is set: on release, click, arrow-key
release or paste. The model travels once per page as a content-hash file under the app's
static/ folder when `server.enableStaticServing` is on (and so does the JS module), else
inline with every render.

    z = latent_pad(f"{path}:{mtime}", model, (z0, z1), (mu, labels), key="pad",
                   on_change=move_to)  # on_change runs before the rerun, like a widget's
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import numpy as np
import streamlit as st
from streamlit.file_util import get_app_static_dir
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
from torch import nn

from explorer import export

STATIC = Path(__file__).parent / "static"
BUNDLE_DIR = "latent-pad"  # app/static/latent-pad/<hash>.bin, under the app's static/ folder
_JS = (STATIC / "latent_pad.js").read_bytes()
_CSS = (STATIC / "latent_pad.css").read_text(encoding="utf-8")
_JS_NAME = export.bundle_name(_JS, ".js")
# Streamlit sends a component's inline JS with every render whose data changed (30 KiB).
# With static serving the page imports the module once from a file and gets this instead.
_LOADER = f"""// loads explorer/ui/static/latent_pad.js, published as app/static/{BUNDLE_DIR}/
export default async function (component) {{
  const pad = await import(new URL("app/static/{BUNDLE_DIR}/{_JS_NAME}", document.baseURI).href);
  return pad.default(component);
}}
"""
_mount_inline = st.components.v2.component("latent_explorer.latent_pad", js=_JS.decode(),
                                           css=_CSS)
_mount_static = st.components.v2.component("latent_explorer.latent_pad_static", js=_LOADER,
                                           css=_CSS)

_lock = threading.Lock()
_bundles: OrderedDict[tuple, tuple[str, bytes]] = OrderedDict()  # (key, points) -> (name, data)
_KEEP = 4


def _fingerprint(points) -> str:
    if points is None:
        return ""
    mu, labels = points
    h = hashlib.sha1(np.ascontiguousarray(mu, np.float32).tobytes())
    h.update(np.ascontiguousarray(labels, np.int64).tobytes())
    return h.hexdigest()


def bundle_for(model_key: str, decoder_spec: export.Exported | nn.Module,
               points: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[str, bytes]:
    """(file name, bytes) of the model's bundle, built once per model key and points."""
    cache_key = (model_key, _fingerprint(points))
    with _lock:
        if cache_key in _bundles:
            _bundles.move_to_end(cache_key)
            return _bundles[cache_key]
    spec = (decoder_spec if isinstance(decoder_spec, export.Exported)
            else export.export_decoder(decoder_spec))
    mu, labels = points if points is not None else (None, None)
    data = export.bundle(spec, mu, labels)
    entry = (export.bundle_name(data), data)
    with _lock:
        _bundles[cache_key] = entry
        while len(_bundles) > _KEEP:
            _bundles.popitem(last=False)
    return entry


def _static_url(name: str, data: bytes) -> str | None:
    """app/static/latent-pad/<name> once the file (and the JS module) is there, or None
    without static serving."""
    ctx = get_script_run_ctx()
    if ctx is None or not st.get_option("server.enableStaticServing"):
        return None
    directory = Path(get_app_static_dir(ctx.main_script_path)) / BUNDLE_DIR
    try:
        if not (directory / _JS_NAME).is_file():
            export.publish(_JS, directory, suffix=".js")
        if not (directory / name).is_file():
            export.publish(data, directory)
    except OSError:
        return None  # a read-only app folder: send everything inline instead
    return f"app/static/{BUNDLE_DIR}/{name}"


def _as_z(value, lim: float) -> tuple[float, float] | None:
    """[x, y] or [x, y, repeat counter] from the page -> z clipped to the pad, or None."""
    try:
        x, y = float(value[0]), float(value[1])
    except (TypeError, ValueError, IndexError, KeyError):
        return None
    if not (np.isfinite(x) and np.isfinite(y)):
        return None
    return (float(np.clip(round(x, 2), -lim, lim)), float(np.clip(round(y, 2), -lim, lim)))


def latent_pad(model_key: str, decoder_spec: export.Exported | nn.Module,
               z: tuple[float, float], points: tuple[np.ndarray, np.ndarray] | None = None,
               *, key: str = "latent_pad", lim: float = 4.0,
               on_change: Callable[[tuple[float, float]], None] | None = None,
               ) -> tuple[float, float] | None:
    """Draw the pad at z; return the z the user just set there (once), else None.

    model_key names the model (path and mtime, say): the bundle is exported once per key.
    decoder_spec is `export.export_decoder(model)` or the model itself (exported lazily).
    points are the test digits' means (N, 2) and labels (N,), drawn faintly behind.
    on_change(z) runs in the callback phase, before the script, so it may set widget keys
    such as the sliders' (which cannot change once the sliders are drawn in a run).
    """
    name, data = bundle_for(model_key, decoder_spec, points)
    src = _static_url(name, data)
    new_key = f"_{key}_new_z"

    def changed() -> None:
        state = st.session_state.get(key) or {}
        new = _as_z(state.get("z"), lim)
        if new is not None:
            st.session_state[new_key] = new
            if on_change is not None:
                on_change(new)

    payload = {"id": key, "bundle": name, "src": src, "lim": float(lim),
               "z": [round(float(z[0]), 4), round(float(z[1]), 4)],
               "inline": None if src else base64.b64encode(data).decode("ascii")}
    mount = _mount_static if src else _mount_inline
    mount(key=key, data=payload, on_z_change=changed, width="stretch", height="content")
    return st.session_state.pop(new_key, None)
