"""`python -m explorer.media`: pictures and files of a trained model, from a terminal.

    python -m explorer.media timelapse runs/my-run.pt -o my-run.gif
    python -m explorer.media morph pretrained/mnist.pt --start 3 --end 2 -o morph.gif
    python -m explorer.media grid pretrained/mnist.pt --cells 20 --px 56 -o grid.png
    python -m explorer.media csv pretrained/mnist.pt -o encoded.csv
    python -m explorer.media html pretrained/mnist.pt -o mnist.html   # the share file
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from explorer.datasets import registry
from explorer.errors import DataError
from explorer.media import encoded_csv, grid_image, morph_gif, png_bytes, strip
from explorer.media.timelapse import grid_lims, history_timelapse, timelapse_gif


def _parse_point(text: str, mu: np.ndarray) -> np.ndarray:
    """A test index ("17") or a latent point ("0.5,-1.2")."""
    from explorer.plane.latent import parse_z

    if text.strip().isdigit():
        if int(text) >= len(mu):
            raise ValueError(f"test index {int(text)} is out of range (0 to {len(mu) - 1})")
        return mu[int(text)]
    return np.array(parse_z(text), np.float32)


def main(argv: list[str] | None = None) -> int:
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
            from explorer.page import share

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
    from explorer.datasets import reading
    from explorer.plane import latent
    from explorer.vae import checkpoint, snapshots
    from explorer.vae.config import TrainConfig

    for name, low, high in (("steps", 2, 500), ("cells", 1, 100), ("px", 8, 512)):
        if not low <= getattr(a, name, low) <= high:
            raise ValueError(f"--{name} must be between {low} and {high}")
    model, ckpt = checkpoint.load(a.checkpoint)
    if a.what == "timelapse":
        kept = history_timelapse(ckpt.get("history", {}))
        if kept is None:
            raise ValueError(f"{a.checkpoint} kept no per-epoch snapshots")
        snaps, grids, epochs, labels = kept
        if labels is None:  # a run saved before its history kept them
            saved = TrainConfig.from_dict(ckpt.get("train_config") or {})
            labels = snapshots.snapshot_labels(saved)
        out = timelapse_gif(snaps, labels, registry.classes(model.cfg.dataset), epochs, grids,
                            lims=grid_lims(ckpt.get("history", {}), len(snaps)))
    elif a.what in ("morph", "csv"):
        test = reading.load_split("test", model.cfg.dataset)
        mu, logvar = latent.encode_all(model, test.images)
        if a.what == "csv":
            out = encoded_csv(mu, logvar, test.labels.numpy(),
                              registry.classes(model.cfg.dataset))
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
