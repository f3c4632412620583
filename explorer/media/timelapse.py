"""The time-lapse of a run: its latent map after each epoch, on fixed axes, beside the small
manifold of that epoch; frames, a GIF, and what a checkpoint's history keeps of it.

The axes follow the run's plane (explorer/plane/extent.py over every kept epoch); a frame names
the digits that lie beyond them, never drops them silently."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from explorer.media import PALETTE, gif_bytes, grid_image
from explorer.plane import extent

OLD_GRID_LIM = 2.5  # the small manifold's half-width in runs saved before it followed the plane


def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow built without FreeType: the small bitmap font
        return ImageFont.load_default()


def timelapse_limit(snapshots: np.ndarray) -> float:
    """One axis range for every frame, so the clusters move and the axes stay still: the
    extent of every kept epoch's points together (explorer.plane.extent.extent_of)."""
    return extent.extent_of(np.asarray(snapshots, np.float64).reshape(-1, 2))


def grid_lims(history: dict, n: int) -> list[float]:
    """The half-width of each kept epoch's small manifold: kept with it since it followed
    the plane, OLD_GRID_LIM before."""
    kept = (history or {}).get("grid_lims")
    return [float(v) for v in kept] if kept is not None and len(kept) == n \
        else [OLD_GRID_LIM] * n


def timelapse_frame(z: np.ndarray, labels: np.ndarray, classes: Sequence[str], title: str,
                    lim: float, grid: np.ndarray | None = None, px: int = 400,
                    grid_lim: float = OLD_GRID_LIM) -> Image.Image:
    """One epoch: the encoded sample coloured by label on fixed axes (how many lie beyond
    them, said), the small manifold of that epoch over ±grid_lim beside it (when the run
    kept one), and a legend."""
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
    beyond = int((~inside).sum())
    if beyond:
        d.text((x0 + px, 6), f"{beyond:,} of {len(z):,} beyond ±{lim:g}", fill="#b33",
               font=small, anchor="ra")
    right = x0 + px + 16
    top = y0
    if grid is not None:
        g = np.asarray(grid, np.float32)
        g = g / 255.0 if np.asarray(grid).dtype == np.uint8 else g
        cell = side // g.shape[0]
        img.paste(grid_image(g, cell).convert("RGB"), (right, top))
        d.text((right, top + cell * g.shape[0] + 4), f"decoded over ±{grid_lim:.3g} on both "
               "axes", fill="#555", font=small)
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
                     px: int = 400, lims: Sequence[float] | None = None) -> list[Image.Image]:
    """A frame per kept epoch (snapshots: (E, N, 2); grids: (E, 6, 6, 28, 28) or None;
    lims: each grid's half-width, or None for the range training gives a grid of these
    points: extent.snapshot_range, as in a run just made)."""
    snapshots = np.asarray(snapshots)
    if snapshots.ndim != 3 or len(snapshots) == 0:
        raise ValueError("this run kept no per-epoch snapshots of its latent map")
    lim = timelapse_limit(snapshots)
    labels = np.asarray(labels)[: snapshots.shape[1]]
    lims = [extent.snapshot_range(s) for s in snapshots] if lims is None else list(lims)
    return [timelapse_frame(s, labels, classes, f"epoch {e}", lim,
                            None if grids is None else grids[i], px, lims[i])
            for i, (s, e) in enumerate(zip(snapshots, epochs, strict=True))]


def timelapse_gif(snapshots: np.ndarray, labels: np.ndarray, classes: Sequence[str],
                  epochs: Sequence[int], grids: np.ndarray | None = None, ms: int = 250,
                  px: int = 400, lims: Sequence[float] | None = None) -> bytes:
    """The frames as a GIF, holding the last one for two seconds."""
    frames = timelapse_frames(snapshots, labels, classes, epochs, grids, px, lims)
    return gif_bytes(frames, [ms] * (len(frames) - 1) + [2000])


Kept = tuple[np.ndarray, np.ndarray | None, list[int], np.ndarray | None]


def history_timelapse(history: dict) -> Kept | None:
    """(snapshots, grids or None, epochs, the snapshot digits' labels or None) from a
    checkpoint's history; None if it has none. Runs saved before grids were kept have
    snapshots of every epoch and no grids; before labels were kept, no labels (see
    explorer.vae.train.snapshot_labels)."""
    snaps = history.get("snapshots") if history else None
    if snaps is None or len(snaps) == 0:
        return None
    snaps = np.asarray(snaps, np.float32)
    grids = history.get("grids")
    grids = None if grids is None else np.asarray(grids)
    epochs = list(history.get("snapshot_epochs") or range(1, len(snaps) + 1))
    labels = history.get("snapshot_labels")
    return snaps, grids, [int(e) for e in epochs], None if labels is None else np.asarray(labels)


