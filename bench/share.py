"""`python -m bench.browser share`: the share file of the shipped model. Its size and the
time `python -m explorer.media html` takes; opened from file:// with every other request
blocked, at a laptop's and at a phone's viewport (touch): the time from navigation to the
first drawn view, and previews per second while dragging the pad and a slider; and the
decode time per architecture of the page's runtime under Node against PyTorch (one thread).
"""

from __future__ import annotations

import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from explorer import paths
from tooling.browser import (
    REPO,
    chromium,
    drag_slider,
    new_page,
    screen_xy,
    touch_drag,
    view_state,
)

DRAWN = """() => { const s = window.__lxStats && window.__lxStats.share;
  return !!s && s.previews >= 1; }"""


def pad_drag(page, seconds: float, phone: bool) -> float:
    """Distinct previews per second while dragging across the pad."""
    (x0, y0), (x1, y1) = screen_xy(page, "pad", (-3, -2.5)), screen_xy(page, "pad", (3, 2.5))
    p0, t0 = view_state(page)["previews"], time.perf_counter()
    if phone:
        touch_drag(page, (x0, y0), (x1, y1), steps=int(seconds * 120), pause_ms=0)
    else:
        page.mouse.move(x0, y0)
        page.mouse.down()
        k = 0
        while time.perf_counter() - t0 < seconds:
            u = 0.5 - 0.5 * math.cos(k / 40)
            page.mouse.move(x0 + (x1 - x0) * u, y0 + (y1 - y0) * u)
            k += 1
        page.mouse.up()
    return (view_state(page)["previews"] - p0) / (time.perf_counter() - t0)


def node_decode_ms() -> dict:
    """ms per decode of one z: the page's runtime under Node, and PyTorch on one thread."""
    import numpy as np
    import torch

    from explorer.page import bundle, network
    from explorer.vae.config import ARCHS, ModelConfig
    from explorer.vae.model import build_model
    from tooling.node import decode_command

    torch.set_num_threads(1)
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        z = np.random.default_rng(0).uniform(-4, 4, (64, 2)).astype(np.float32)
        (d / "z.f32").write_bytes(z.tobytes())
        for arch in ARCHS:
            torch.manual_seed(0)
            model = build_model(ModelConfig(arch=arch)).eval()
            (d / "b.bin").write_bytes(bundle.pack(network.export_decoder(model)))
            done = subprocess.run(decode_command(d / "b.bin", d / "z.f32", d / "o.f32", "--time"),
                                  capture_output=True, text=True, check=True)
            js = json.loads(done.stdout.strip().splitlines()[-1])["ms_per_call"]
            zt = torch.from_numpy(z[:1])
            with torch.no_grad():
                for _ in range(20):
                    model.decode(zt)
                t = time.perf_counter()
                for _ in range(200):
                    torch.sigmoid(model.decode(zt))
            out[arch] = {"js_ms": round(js, 3),
                         "torch_ms": round((time.perf_counter() - t) / 200 * 1000, 3)}
    return out


def run(a) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "mnist.html"
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "explorer.media", "html", str(paths.PRETRAINED),
                        "-o", str(out)], cwd=REPO, check=True, capture_output=True)
        write_s = time.perf_counter() - t0
        result = {"bytes": out.stat().st_size, "write_s": round(write_s, 2)}
        with chromium() as browser:
            for name, phone in (("laptop", False), ("phone", True)):
                first, pads, sliders = [], [], []
                for _ in range(a.runs):
                    errors, blocked = [], []
                    context, page = new_page(browser, phone=phone, errors=errors, offline=True)
                    page.on("requestfailed", lambda r, b=blocked: b.append(r.url))
                    t = time.perf_counter()
                    page.goto(out.as_uri())
                    page.wait_for_function(DRAWN, timeout=30_000)
                    first.append(time.perf_counter() - t)
                    page.wait_for_timeout(300)
                    pads.append(pad_drag(page, 2.0, phone))
                    if not phone:
                        sliders.append(drag_slider(page, 0, 2.0)["previews_per_s"])
                    assert not errors and not blocked, (errors, blocked)
                    context.close()
                result[name] = {"first_drawn_s": round(statistics.median(first), 3),
                                "pad_drag_previews_per_s": round(statistics.median(pads), 1)}
                if sliders:
                    result[name]["slider_drag_previews_per_s"] = round(
                        statistics.median(sliders), 1)
    result["decode_one_z_ms"] = node_decode_ms()
    for k, v in result.items():
        print(f"{k:20s} {v}")
    return result
