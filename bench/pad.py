"""`python -m bench.pad`: the latent pad in Debian's Chromium, against the alternative of
decoding in Python on every rerun.

Measured in one run on this machine, with `tests/pad_app.py` (the pad, two sliders and a
preview decoded by Python) served by `streamlit run`:
- previews per second while dragging: median of several 2-second drags driven through
  Chromium's input pipeline (Playwright), and with pointer events dispatched in the page at
  250 Hz (what the pad can do when input is not the limit);
- pointer-to-pixels latency: from a pointermove event's timestamp to the end of the draw in
  the animation frame that handles it, and to the next frame (by then it is on screen);
- decode time per frame in the page, and per architecture under Node (same interpreter);
- bytes the page downloads on first load (HTTP responses and websocket frames), the bundle
  file, and websocket bytes per rerun, with the bundle as a static file or inline;
- the Python alternative: from a pointer release to the Python-decoded preview on screen.

Prints a table and writes bench/results/pad.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parent.parent
OUT = Path(__file__).parent / "results"
sys.path.insert(0, str(REPO))

from explorer import export  # noqa: E402
from explorer.config import ARCHS, ModelConfig  # noqa: E402
from explorer.model import build_model  # noqa: E402
from explorer.testing import IDLE, chromium  # noqa: E402
from tests.pad_app import serve  # noqa: E402

STATS = "window.__latentPad.pad"
SYNTHETIC = """async ([x0, y0, x1, y1, ms]) => {
  const host = [...document.querySelectorAll('[data-testid="stBidiComponentIsolated"]')]
      .find(h => h.shadowRoot && h.shadowRoot.querySelector('.lp-pad'));
  const pad = host.shadowRoot.querySelector('.lp-pad'), s = window.__latentPad.pad;
  const ev = (type, x, y) => pad.dispatchEvent(new PointerEvent(type, {clientX: x, clientY: y,
      pointerId: 1, pointerType: 'mouse', button: 0, buttons: 1, bubbles: true}));
  const p0 = s.previews, t0 = performance.now();
  ev('pointerdown', x0, y0);
  await new Promise(done => { const id = setInterval(() => {
      const t = (performance.now() - t0) / ms;
      if (t >= 1) { clearInterval(id); done(); return; }
      const u = 0.5 - 0.5 * Math.cos(2 * Math.PI * 3 * t);  // back and forth, 3 times
      ev('pointermove', x0 + (x1 - x0) * u, y0 + (y1 - y0) * u); }, 4); });
  ev('pointerup', x1, y1);
  return {previews: s.previews - p0, seconds: (performance.now() - t0) / 1000};
}"""
# from a pointer release (or a key up) to the frame in which Python's new preview is loaded
PROBE = """() => {
  window.__py = []; window.__t0 = null; let last = null;
  const img = () => [...document.querySelectorAll('[data-testid="stImage"]')]
      .find(e => e.textContent.includes('python z ='))?.querySelector('img');
  const tick = () => { const i = img();
    if (i && i.src !== last && i.complete && i.naturalWidth) {
      if (window.__t0 !== null && last !== null) {
        window.__py.push(performance.now() - window.__t0); window.__t0 = null; }
      last = i.src; }
    requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  addEventListener('pointerup', () => { window.__t0 = performance.now(); }, true);
}"""


def pct(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q / 100 * (len(v) - 1))))] if v else float("nan")


def summary(values) -> dict:
    return {"n": len(values), "median": round(statistics.median(values), 2) if values else None,
            "p95": round(pct(values, 95), 2) if values else None}


def open_page(browser, url):
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    net = {"http": 0, "ws": 0, "files": []}

    def finished(request):
        sizes = request.sizes()
        n = sizes["responseBodySize"] + sizes["responseHeadersSize"]
        net["http"] += n
        net["files"].append((request.url, sizes["responseBodySize"]))

    page.on("requestfinished", finished)
    page.on("websocket", lambda ws: ws.on(
        "framereceived", lambda p: net.__setitem__("ws", net["ws"] + len(p))))
    page.goto(url)
    page.wait_for_selector(IDLE, timeout=120_000)
    page.wait_for_function(f"() => window.__latentPad && {STATS}.ready && {STATS}.previews",
                           timeout=60_000)
    page.wait_for_timeout(500)
    return context, page, net


def corners(page):
    box = page.locator(".lp-pad").bounding_box()
    size = box["width"] - 46 - 12

    def at(z):
        return box["x"] + 46 + (z[0] + 4) / 8 * size, box["y"] + 10 + (4 - z[1]) / 8 * size
    return at


def drag(page, seconds: float) -> dict:
    at = corners(page)
    (x0, y0), (x1, y1) = at((-3.5, -3.0)), at((3.5, 3.0))
    p0 = page.evaluate(f"{STATS}.previews")
    n0 = page.evaluate(f"{STATS}.latencyMs.length")
    page.mouse.move(x0, y0)
    page.mouse.down()
    start, i = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        u = 0.5 - 0.5 * np.cos(2 * np.pi * i / 240)
        page.mouse.move(x0 + (x1 - x0) * u, y0 + (y1 - y0) * u)
        i += 1
    elapsed = time.perf_counter() - start
    previews = page.evaluate(f"{STATS}.previews") - p0
    page.mouse.up()
    page.wait_for_timeout(400)
    lat = page.evaluate(f"{STATS}.latencyMs.slice({n0})")
    return {"previews_per_s": previews / elapsed, "moves_per_s": i / elapsed, "latency": lat}


def python_round_trips(page, clicks: int) -> list[float]:
    page.evaluate(PROBE)
    at = corners(page)
    rng = np.random.default_rng(1)
    for _ in range(clicks):
        x, y = at(rng.uniform(-3.5, 3.5, 2))
        n = page.evaluate("window.__py.length")
        page.mouse.click(x, y)
        page.wait_for_function(f"() => window.__py.length > {n}", timeout=20_000)
        page.wait_for_selector(IDLE)
        page.wait_for_timeout(150)
    return page.evaluate("window.__py")


def ws_per_rerun(page, net, clicks: int = 5) -> dict:
    """Websocket bytes the page receives for a rerun that moves z, and for one that does not."""
    at = corners(page)
    moved = []
    for k in range(clicks):
        before = net["ws"]
        page.mouse.click(*at((-2 + k, 1.5)))
        page.wait_for_timeout(300)
        page.wait_for_selector(IDLE)
        page.wait_for_timeout(300)
        moved.append(net["ws"] - before)
    page.mouse.move(5, 5)
    same = []
    for _ in range(3):
        before = net["ws"]
        page.locator("body").press("r")  # Streamlit's rerun shortcut: same data for the pad
        page.wait_for_timeout(300)
        page.wait_for_selector(IDLE)
        page.wait_for_timeout(300)
        same.append(net["ws"] - before)
    return {"z_moved": int(statistics.median(moved)), "z_same": int(statistics.median(same))}


def node_decode_ms() -> dict:
    """ms per decode of the browser interpreter under Node, and of PyTorch, per arch."""
    from tests.test_export import node_command

    torch.set_num_threads(1)  # one z is too small to share; two threads on a busy 2-core
    out = {}                  # machine spin-wait (measured: 23 ms instead of 0.16 ms)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        z = np.random.default_rng(0).uniform(-4, 4, (64, 2)).astype(np.float32)
        (d / "z.f32").write_bytes(z.tobytes())
        for arch in ARCHS:
            torch.manual_seed(0)
            model = build_model(ModelConfig(arch=arch)).eval()
            spec = export.export_decoder(model)
            (d / "b.bin").write_bytes(export.bundle(spec))
            done = subprocess.run(node_command(d / "b.bin", d / "z.f32", d / "o.f32", "--time"),
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
                         "torch_ms": round((time.perf_counter() - t) / 200 * 1000, 3),
                         "weights_mb": round(spec.weights.nbytes / 2**20, 2)}
    return out


def run(a) -> dict:
    result: dict = {"machine": {"cpus": __import__("os").cpu_count()}}
    with chromium() as browser:
        with serve(static=True) as srv:
            context, page, net = open_page(browser, srv.url)
            ours = {u.rsplit(".", 1)[-1]: n for u, n in net["files"] if "/latent-pad/" in u}
            result["first_load"] = {"http_bytes": net["http"], "ws_bytes": net["ws"],
                                    "bundle_bytes": ours.get("bin"), "js_bytes": ours.get("js"),
                                    "requests": len(net["files"])}
            drags = [drag(page, a.seconds) for _ in range(a.drags)]
            lat = [x for d in drags for x in d["latency"]]
            next_frame = page.evaluate(f"{STATS}.nextFrameMs")
            at = corners(page)
            synthetic = [page.evaluate(SYNTHETIC, [*at((-3.5, -3)), *at((3.5, 3)),
                                                   a.seconds * 1000]) for _ in range(3)]
            decode = page.evaluate(f"{STATS}.decodeMs")
            result["drag"] = {
                "previews_per_s": round(statistics.median(d["previews_per_s"] for d in drags), 1),
                "pointer_moves_per_s": round(statistics.median(d["moves_per_s"] for d in drags), 1),
                "previews_per_s_250hz_events": round(statistics.median(
                    s["previews"] / s["seconds"] for s in synthetic), 1),
                "event_to_drawn_ms": summary(lat),
                "event_to_next_frame_ms": summary(next_frame),
                "decode_ms_in_page": summary(decode[5:]),
            }
            result["ws_per_rerun_static"] = ws_per_rerun(page, net)
            result["python_release_to_preview_ms"] = summary(python_round_trips(page, a.clicks))
            context.close()
        with serve(static=False) as srv:
            context, page, net = open_page(browser, srv.url)
            result["first_load_inline"] = {"http_bytes": net["http"], "ws_bytes": net["ws"]}
            result["ws_per_rerun_inline"] = ws_per_rerun(page, net)
            context.close()
    result["decode_per_arch"] = node_decode_ms()
    return result


def table(r: dict) -> str:
    d, py = r["drag"], r["python_release_to_preview_ms"]
    kb = lambda n: f"{n / 1024:,.0f} KiB"  # noqa: E731
    rows = [
        ("previews/s while dragging (Playwright input)", f"{d['previews_per_s']}  "
         f"({d['pointer_moves_per_s']} pointer moves/s)"),
        ("previews/s, pointer events at 250 Hz in page", f"{d['previews_per_s_250hz_events']}"),
        ("pointermove -> preview drawn (ms)", "median {median}, p95 {p95}".format(
            **d["event_to_drawn_ms"])),
        ("pointermove -> next frame (ms)", "median {median}, p95 {p95}".format(
            **d["event_to_next_frame_ms"])),
        ("decode per frame in page (ms)", "median {median}, p95 {p95}".format(
            **d["decode_ms_in_page"])),
        ("Python alternative: release -> preview (ms)", f"median {py['median']}, p95 {py['p95']}"),
        ("first load: HTTP", kb(r["first_load"]["http_bytes"])
         + f" in {r['first_load']['requests']} requests"),
        ("first load: websocket", kb(r["first_load"]["ws_bytes"])),
        ("of which the bundle (decoder + 10k points)", kb(r["first_load"]["bundle_bytes"] or 0)),
        ("of which the pad's JS module", kb(r["first_load"]["js_bytes"] or 0)),
        ("ws per rerun, static bundle: z moved / same",
         f"{kb(r['ws_per_rerun_static']['z_moved'])} / {kb(r['ws_per_rerun_static']['z_same'])}"),
        ("ws per rerun, inline bundle: z moved / same",
         f"{kb(r['ws_per_rerun_inline']['z_moved'])} / {kb(r['ws_per_rerun_inline']['z_same'])}"),
        ("first load, inline bundle: HTTP + websocket",
         f"{kb(r['first_load_inline']['http_bytes'])} + {kb(r['first_load_inline']['ws_bytes'])}"),
    ]
    for arch, v in r["decode_per_arch"].items():
        rows.append((f"decode 1 z, {arch} (JS in Node / PyTorch 1 thread, ms)",
                     f"{v['js_ms']} / {v['torch_ms']}  ({v['weights_mb']} MiB weights)"))
    w = max(len(k) for k, _ in rows)
    return "\n".join(f"{k.ljust(w)}  {v}" for k, v in rows)


def main() -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.pad", description=__doc__.split("\n\n")[0])
    ap.add_argument("--drags", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--clicks", type=int, default=10)
    ap.add_argument("--out", default=str(OUT / "pad.json"))
    a = ap.parse_args()
    result = run(a)
    print(table(result))
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
