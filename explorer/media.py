"""Pictures and files people take away: strips, morph GIFs, manifold PNGs, the encoded test
set as CSV, and the time-lapse of a run's latent map.

Arrays in, PIL images or bytes out; no Streamlit, no model. Pictures are (28, 28) floats in
[0, 1] with 1 = ink, drawn as dark ink on white like everywhere in the app.

    python -m explorer.media timelapse runs/my-run.pt -o my-run.gif
    python -m explorer.media morph pretrained/mnist.pt --start 3 --end 2 -o morph.gif
    python -m explorer.media grid pretrained/mnist.pt --cells 20 --px 56 -o grid.png
    python -m explorer.media csv pretrained/mnist.pt -o encoded.csv
    python -m explorer.media html pretrained/mnist.pt -o mnist.html   # the share file
"""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

# Tableau 10, as on the app's charts
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
           "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")


def picture(x: np.ndarray, px: int = 280) -> Image.Image:
    """A (28, 28) picture in [0, 1] (ink = 1) as dark ink on white, smoothly upscaled."""
    img = Image.fromarray(np.uint8(np.round(255 - np.clip(x, 0, 1) * 255)), "L")
    return img.resize((px, px), Image.Resampling.BICUBIC) if px != img.width else img


def strip(pictures: np.ndarray, px: int = 96) -> Image.Image:
    """(N, 28, 28) pictures side by side, each px wide, with a thin gap."""
    gap = max(2, px // 24)
    out = Image.new("L", (len(pictures) * (px + gap) - gap, px), 255)
    for i, x in enumerate(pictures):
        out.paste(picture(x, px), (i * (px + gap), 0))
    return out


def grid_image(pictures: np.ndarray, cell_px: int = 28) -> Image.Image:
    """(rows, cols, 28, 28) pictures tiled with no gap, each cell cell_px wide: a manifold
    at the resolution asked for (rows * cell_px high)."""
    rows, cols = pictures.shape[:2]
    out = Image.new("L", (cols * cell_px, rows * cell_px), 255)
    for r in range(rows):
        for c in range(cols):
            out.paste(picture(pictures[r, c], cell_px), (c * cell_px, r * cell_px))
    return out


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def png_data_uri(img: Image.Image) -> str:
    """The picture as a PNG data URI. Streamlit shows such a string as it is, where a
    picture becomes a media file that the page fetches once the element has arrived (one
    more round trip on every slider move)."""
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def gif_bytes(frames: Sequence[Image.Image], durations_ms: int | Sequence[int] = 100) -> bytes:
    """An animated GIF that loops forever."""
    if not frames:
        raise ValueError("a GIF needs at least one frame")
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=list(frames[1:]),
                   duration=durations_ms if isinstance(durations_ms, int) else list(durations_ms),
                   loop=0)
    return buf.getvalue()


def morph_gif(pictures: np.ndarray, px: int = 224, ms: int = 80, hold_ms: int = 600) -> bytes:
    """The decoded path as an animation that goes there and back, resting at both ends."""
    frames = [picture(x, px) for x in pictures]
    if len(frames) > 2:
        frames += frames[-2:0:-1]
    n = len(pictures)
    durations = [hold_ms if i in (0, n - 1) else ms for i in range(len(frames))]
    return gif_bytes(frames, durations)


def encoded_csv(mu: np.ndarray, logvar: np.ndarray, labels: np.ndarray,
                classes: Sequence[str]) -> bytes:
    """One row per test image: its index, label, class name and q(z|x)'s mean and
    log-variance."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["index", "label", "class", "z0_mean", "z1_mean", "z0_logvar", "z1_logvar"])
    for i, (m, lv, y) in enumerate(zip(mu, logvar, labels, strict=True)):
        w.writerow([i, int(y), classes[int(y)], *(f"{float(v):.6g}" for v in (*m, *lv))])
    return buf.getvalue().encode()


# --- time-lapse of a run's latent map --------------------------------------------------

def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow built without FreeType: the small bitmap font
        return ImageFont.load_default()


def timelapse_limit(snapshots: np.ndarray) -> float:
    """One axis range for every frame, so the clusters move and the axes stay still: the
    99.5th percentile of |z| over the whole run, rounded up to a half, at least 2."""
    q = float(np.quantile(np.abs(np.asarray(snapshots)), 0.995)) if np.size(snapshots) else 2.0
    return max(2.0, np.ceil(q * 2) / 2)


def timelapse_frame(z: np.ndarray, labels: np.ndarray, classes: Sequence[str], title: str,
                    lim: float, grid: np.ndarray | None = None, px: int = 400) -> Image.Image:
    """One epoch: the encoded sample coloured by label on fixed axes, the small manifold of
    that epoch beside it (when the run kept one), and a legend."""
    pad, head = 36, 30
    side = 0 if grid is None else px * 3 // 5
    legend_w = 150
    width = pad + px + 16 + max(side, legend_w) + 10
    height = head + px + pad
    img = Image.new("RGB", (width, height), "white")
    d = ImageDraw.Draw(img)
    font, small = _font(16), _font(12)
    d.text((pad, 6), title, fill="#111", font=font)
    x0, y0 = pad, head

    def to_px(v: np.ndarray) -> np.ndarray:
        return (v + lim) / (2 * lim) * px

    d.line([(x0 + px / 2, y0), (x0 + px / 2, y0 + px)], fill="#ddd")
    d.line([(x0, y0 + px / 2), (x0 + px, y0 + px / 2)], fill="#ddd")
    d.rectangle([x0, y0, x0 + px, y0 + px], outline="#999")
    for t in (-lim, 0.0, lim):
        xt = x0 + float(to_px(np.array(t)))
        d.text((xt, y0 + px + 4), f"{t:g}", fill="#555", font=small, anchor="ma")
        d.text((x0 - 4, y0 + px - float(to_px(np.array(t)))), f"{t:g}", fill="#555", font=small,
               anchor="rm")
    d.text((x0 + px, y0 + px + 18), "z[0]", fill="#333", font=small, anchor="ra")
    d.text((4, y0), "z[1]", fill="#333", font=small)
    z = np.asarray(z, np.float64)
    inside = np.all(np.abs(z) <= lim, axis=1)
    xs, ys = x0 + to_px(z[:, 0]), y0 + px - to_px(z[:, 1])
    r = 2.2
    for k in np.flatnonzero(inside):
        d.ellipse([xs[k] - r, ys[k] - r, xs[k] + r, ys[k] + r],
                  fill=PALETTE[int(labels[k]) % 10])
    right = x0 + px + 16
    top = y0
    if grid is not None:
        g = np.asarray(grid, np.float32)
        g = g / 255.0 if np.asarray(grid).dtype == np.uint8 else g
        cell = side // g.shape[0]
        img.paste(grid_image(g, cell).convert("RGB"), (right, top))
        d.text((right, top + cell * g.shape[0] + 4), "decoded over [-2.5, 2.5]²", fill="#555",
               font=small)
        top += cell * g.shape[0] + 26
    for c, name in enumerate(classes):
        y = top + c * 17
        if y + 14 > height:
            break
        d.rectangle([right, y + 2, right + 10, y + 12], fill=PALETTE[c % 10])
        d.text((right + 16, y), str(name), fill="#222", font=small)
    return img


def timelapse_frames(snapshots: np.ndarray, labels: np.ndarray, classes: Sequence[str],
                     epochs: Sequence[int], grids: np.ndarray | None = None,
                     px: int = 400) -> list[Image.Image]:
    """A frame per kept epoch (snapshots: (E, N, 2); grids: (E, 6, 6, 28, 28) or None)."""
    snapshots = np.asarray(snapshots)
    if snapshots.ndim != 3 or len(snapshots) == 0:
        raise ValueError("this run kept no per-epoch snapshots of its latent map")
    lim = timelapse_limit(snapshots)
    labels = np.asarray(labels)[: snapshots.shape[1]]
    return [timelapse_frame(s, labels, classes, f"epoch {e}", lim,
                            None if grids is None else grids[i], px)
            for i, (s, e) in enumerate(zip(snapshots, epochs, strict=True))]


def timelapse_gif(snapshots: np.ndarray, labels: np.ndarray, classes: Sequence[str],
                  epochs: Sequence[int], grids: np.ndarray | None = None, ms: int = 250,
                  px: int = 400) -> bytes:
    """The frames as a GIF, holding the last one for two seconds."""
    frames = timelapse_frames(snapshots, labels, classes, epochs, grids, px)
    return gif_bytes(frames, [ms] * (len(frames) - 1) + [2000])


def history_timelapse(history: dict) -> tuple[np.ndarray, np.ndarray | None, list[int]] | None:
    """(snapshots, grids or None, epochs) from a checkpoint's history; None if it has none.
    Runs saved before grids were kept have snapshots of every epoch and no grids."""
    snaps = history.get("snapshots") if history else None
    if snaps is None or len(snaps) == 0:
        return None
    snaps = np.asarray(snaps, np.float32)
    grids = history.get("grids")
    grids = None if grids is None else np.asarray(grids)
    epochs = list(history.get("snapshot_epochs") or range(1, len(snaps) + 1))
    return snaps, grids, [int(e) for e in epochs]


# --- command line ---------------------------------------------------------------------

def _parse_point(text: str, mu: np.ndarray) -> np.ndarray:
    """A test index ("17") or a latent point ("0.5,-1.2")."""
    from explorer.latent import parse_z

    if text.strip().isdigit():
        if int(text) >= len(mu):
            raise ValueError(f"test index {int(text)} is out of range (0 to {len(mu) - 1})")
        return mu[int(text)]
    return np.array(parse_z(text), np.float32)


def main(argv: list[str] | None = None) -> int:
    import argparse
    import sys
    from pathlib import Path

    from explorer.errors import DataError

    ap = argparse.ArgumentParser(prog="python -m explorer.media",
                                 description="Export pictures and data of a trained model.")
    sub = ap.add_subparsers(dest="what", required=True)
    t = sub.add_parser("timelapse", help="GIF of the latent map forming, one frame per epoch")
    m = sub.add_parser("morph", help="decoded path between two points: PNG strip or GIF")
    m.add_argument("--start", default="0", help="test index or 'z0,z1' (default: 0)")
    m.add_argument("--end", default="1", help="test index or 'z0,z1' (default: 1)")
    m.add_argument("--steps", type=int, default=12)
    m.add_argument("--method", choices=["linear", "slerp"], default="linear")
    g = sub.add_parser("grid", help="PNG of the manifold")
    g.add_argument("--cells", type=int, default=20, help="cells per side")
    g.add_argument("--px", type=int, default=56, help="pixels per cell")
    g.add_argument("--range", type=float, default=3.0, dest="lim", help="±range of z")
    g.add_argument("--spacing", choices=["linear", "normal"], default="linear")
    c = sub.add_parser("csv", help="the encoded test set: z mean, log-variance, label")
    h = sub.add_parser("html", help="the Explore view in one HTML file that opens anywhere, "
                                    "offline (pad, sliders, scatter, manifold)")
    for p in (t, m, g, c, h):
        p.add_argument("checkpoint", help="a .pt file (pretrained/ or runs/)")
        p.add_argument("-o", "--out", required=True, help="file to write")
    a = ap.parse_args(argv)
    try:
        if a.what == "html":  # from the page cache: no model is loaded when it is ready
            from explorer import share

            size = share.write(a.checkpoint, a.out)
        else:
            out = _export(a)
            Path(a.out).write_bytes(out)
            size = len(out)
    except (ValueError, DataError, OSError) as e:  # CheckpointError, ShareError: ValueErrors
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {a.out} ({size / 1024:.0f} KiB)")
    return 0


def _export(a) -> bytes:
    from explorer import checkpoint, data, latent, train
    from explorer.config import TrainConfig

    for name, low, high in (("steps", 2, 500), ("cells", 1, 100), ("px", 8, 512)):
        if not low <= getattr(a, name, low) <= high:
            raise ValueError(f"--{name} must be between {low} and {high}")
    model, ckpt = checkpoint.load(a.checkpoint)
    spec = data.DATASETS[model.cfg.dataset]
    if a.what == "timelapse":
        kept = history_timelapse(ckpt.get("history", {}))
        if kept is None:
            raise ValueError(f"{a.checkpoint} kept no per-epoch snapshots")
        cfg = TrainConfig.from_dict(ckpt.get("train_config") or {})
        out = timelapse_gif(kept[0], train.snapshot_labels(cfg), spec.classes, kept[2], kept[1])
    elif a.what in ("morph", "csv"):
        test = data.load_split("test", model.cfg.dataset)
        mu, logvar = latent.encode_all(model, test.images)
        if a.what == "csv":
            out = encoded_csv(mu, logvar, test.labels.numpy(), spec.classes)
        else:
            path = latent.interpolate(_parse_point(a.start, mu), _parse_point(a.end, mu),
                                      a.steps, a.method)
            pictures = latent.decode(model, path)
            out = (morph_gif(pictures) if a.out.lower().endswith(".gif")
                   else png_bytes(strip(pictures)))
    else:
        pictures = latent.decode_grid(model, a.cells, -a.lim, a.lim, a.spacing)
        out = png_bytes(grid_image(pictures, a.px))
    return out


if __name__ == "__main__":
    raise SystemExit(main())
