"""A model's networks as portable data for the page.

`export_sequential` turns an `nn.Sequential` into a JSON-able list of layers plus one flat
float32 weight array, through a table of one small function per layer type;
`explorer/page/web/nn_runtime.js` runs that list with Float32Array loops, so the page decodes z
without a round trip to Python. Batch norm (eval mode) is folded into the layer before it
when it can be, else kept as a per-channel affine map. explorer/page/bundle.py packs what this
exports into the file the page reads.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from explorer.page.bundle import Exported
from explorer.vae.model import LOGVAR_MAX, LOGVAR_MIN, BoundMean, PixelBias


class ExportError(ValueError):
    """A layer the page's runtime cannot run; the message names it."""


class _Weights:
    """Collects float32 arrays into one buffer, handing out [offset, length] references."""

    def __init__(self):
        self.parts: dict[int, np.ndarray] = {}  # offset -> array, in insertion order
        self.size = 0

    def add(self, x) -> list[int]:
        a = np.ascontiguousarray(np.asarray(x, dtype=np.float64).astype(np.float32).ravel())
        ref = [self.size, int(a.size)]
        self.parts[self.size] = a
        self.size += a.size
        return ref

    def get(self, ref: list[int]) -> np.ndarray:
        return self.parts[ref[0]]

    def replace(self, ref: list[int], x: np.ndarray) -> None:  # batch norm folded in
        self.parts[ref[0]][:] = np.asarray(x, dtype=np.float64).astype(np.float32).ravel()

    def array(self) -> np.ndarray:
        return np.concatenate(list(self.parts.values())) if self.parts else np.zeros(0, "f4")


def _pair(v) -> list[int]:
    return [int(v), int(v)] if isinstance(v, int) else [int(x) for x in v]


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().double().numpy()


def _bias(m: nn.Module, n: int) -> np.ndarray:  # zeros where the layer has none
    return _np(m.bias) if m.bias is not None else np.zeros(n)


Shape = tuple[int, ...]  # one function per layer type: (module, shape in, weights, layers, name)


def _linear(m: nn.Linear, shape: Shape, w: _Weights, layers: list, name: str) -> Shape:
    if shape != (m.in_features,):
        raise ExportError(f"{name}: expects ({m.in_features},) input, gets {shape}")
    layers.append({"op": "linear", "in": m.in_features, "out": m.out_features,
                   "w": w.add(_np(m.weight)), "b": w.add(_bias(m, m.out_features)),
                   "shape": [m.out_features]})
    return (m.out_features,)


def _conv_geometry(m: nn.Conv2d | nn.ConvTranspose2d, shape: Shape, name: str) -> dict:
    if len(shape) != 3 or shape[0] != m.in_channels:
        raise ExportError(f"{name}: expects ({m.in_channels}, H, W) input, gets {shape}")
    if m.groups != 1 or _pair(m.dilation) != [1, 1] or isinstance(m.padding, str):
        raise ExportError(f"{name}: only groups=1, dilation=1 and numeric padding are supported")
    if m.padding_mode != "zeros":
        raise ExportError(f"{name}: padding_mode {m.padding_mode!r} is not supported")
    return {"k": _pair(m.kernel_size), "stride": _pair(m.stride), "pad": _pair(m.padding),
            "in_shape": list(shape)}


def _conv2d(m: nn.Conv2d, shape: Shape, w: _Weights, layers: list, name: str) -> Shape:
    g = _conv_geometry(m, shape, name)
    (kh, kw), (sh, sw), (ph, pw) = g["k"], g["stride"], g["pad"]
    out = (m.out_channels, (shape[1] + 2 * ph - kh) // sh + 1, (shape[2] + 2 * pw - kw) // sw + 1)
    layers.append({"op": "conv2d", **g, "shape": list(out), "w": w.add(_np(m.weight)),
                   "b": w.add(_bias(m, m.out_channels))})
    return out


def _conv_transpose2d(m: nn.ConvTranspose2d, shape: Shape, w: _Weights, layers: list,
                      name: str) -> Shape:
    g = _conv_geometry(m, shape, name)
    (kh, kw), (sh, sw), (ph, pw) = g["k"], g["stride"], g["pad"]
    oph, opw = _pair(m.output_padding)
    out = (m.out_channels, (shape[1] - 1) * sh - 2 * ph + kh + oph,
           (shape[2] - 1) * sw - 2 * pw + kw + opw)
    layers.append({"op": "conv_transpose2d", **g, "shape": list(out),
                   "w": w.add(_np(m.weight)),  # (Cin, Cout, kh, kw)
                   "b": w.add(_bias(m, m.out_channels))})
    return out


def _batch_norm(m: nn.BatchNorm1d | nn.BatchNorm2d, shape: Shape, w: _Weights, layers: list,
                name: str) -> Shape:
    """Eval-mode batch norm is y = x * scale + shift per channel; fold it into the layer
    before when that layer is linear in its weights, else keep it as an affine op."""
    if m.running_mean is None or m.running_var is None:
        raise ExportError(f"{name}: needs running statistics (track_running_stats=True)")
    if shape[0] != m.num_features:
        raise ExportError(f"{name}: {m.num_features} channels, input {shape}")
    scale = 1.0 / np.sqrt(_np(m.running_var) + m.eps)
    if m.affine:
        scale = scale * _np(m.weight)
    shift = -_np(m.running_mean) * scale + (_np(m.bias) if m.affine else 0.0)
    prev = layers[-1] if layers else None
    if prev and prev["op"] in ("linear", "conv2d", "conv_transpose2d"):
        weight = w.get(prev["w"]).astype(np.float64)
        if prev["op"] == "conv_transpose2d":  # (Cin, Cout, kh, kw): out channels on axis 1
            weight = weight.reshape(prev["in_shape"][0], m.num_features, -1) * scale[None, :, None]
        else:
            weight = weight.reshape(m.num_features, -1) * scale[:, None]
        w.replace(prev["w"], weight)
        w.replace(prev["b"], w.get(prev["b"]).astype(np.float64) * scale + shift)
    else:
        layers.append({"op": "affine", "scale": w.add(scale), "shift": w.add(shift),
                       "shape": list(shape)})
    return shape


def _activation(op: str, **params) -> Callable:
    def export(m: nn.Module, shape: Shape, w: _Weights, layers: list, name: str) -> Shape:
        layers.append({"op": op, **{k: float(getattr(m, a)) for k, a in params.items()},
                       "shape": list(shape)})
        return shape
    return export


def _reshape(m: nn.Unflatten | nn.Flatten, shape: Shape, w: _Weights, layers: list,
             name: str) -> Shape:
    if isinstance(m, nn.Unflatten):
        if m.dim != 1:
            raise ExportError(f"{name}: only Unflatten(1, ...) is supported")
        new = tuple(int(s) for s in m.unflattened_size)
    else:
        if m.start_dim != 1 or m.end_dim != -1:
            raise ExportError(f"{name}: only Flatten(1, -1) is supported")
        new = (int(np.prod(shape)),)
    if int(np.prod(new)) != int(np.prod(shape)):
        raise ExportError(f"{name}: cannot reshape {shape} to {new}")
    layers.append({"op": "reshape", "shape": list(new)})
    return new


def _pixel_shuffle(m: nn.PixelShuffle, shape: Shape, w: _Weights, layers: list,
                   name: str) -> Shape:
    r = int(m.upscale_factor)
    if len(shape) != 3 or shape[0] % (r * r):
        raise ExportError(f"{name}: {shape} is not (C * {r * r}, H, W)")
    out = (shape[0] // (r * r), shape[1] * r, shape[2] * r)
    layers.append({"op": "pixel_shuffle", "r": r, "shape": list(out)})
    return out


def _upsample(m: nn.Upsample, shape: Shape, w: _Weights, layers: list, name: str) -> Shape:
    scale = m.scale_factor
    scale = scale[0] if isinstance(scale, tuple) and len(set(scale)) == 1 else scale
    if (m.mode != "nearest" or m.size is not None or not isinstance(scale, int | float)
            or float(scale) != int(scale) or len(shape) != 3):
        raise ExportError(f"{name}: only nearest upsampling by a whole factor is supported")
    s = int(scale)
    out = (shape[0], shape[1] * s, shape[2] * s)
    layers.append({"op": "upsample", "scale": s, "shape": list(out)})
    return out


def _pixel_bias(m: PixelBias, shape: Shape, w: _Weights, layers: list, name: str) -> Shape:
    if tuple(m.bias.shape) != shape:
        raise ExportError(f"{name}: bias {tuple(m.bias.shape)} does not match {shape}")
    layers.append({"op": "add", "b": w.add(_np(m.bias)), "shape": list(shape)})
    return shape


def _bound_mean(m: BoundMean, shape: Shape, w: _Weights, layers: list, name: str) -> Shape:
    if len(shape) != 1 or shape[0] % 2:
        raise ExportError(f"{name}: expects (2 * latent,) input, gets {shape}")
    layers.append({"op": "bound_mean", "bound": float(m.bound), "shape": list(shape)})
    return shape


def _nothing(m: nn.Module, shape: Shape, w: _Weights, layers: list, name: str) -> Shape:
    return shape  # Identity, and Dropout at inference


EXPORTERS: dict[type, Callable] = {
    nn.Linear: _linear, nn.Conv2d: _conv2d, nn.ConvTranspose2d: _conv_transpose2d,
    nn.BatchNorm1d: _batch_norm, nn.BatchNorm2d: _batch_norm,
    nn.ReLU: _activation("relu"), nn.SiLU: _activation("silu"),
    nn.LeakyReLU: _activation("leaky_relu", slope="negative_slope"),
    nn.Unflatten: _reshape, nn.Flatten: _reshape, nn.PixelShuffle: _pixel_shuffle,
    nn.Upsample: _upsample, PixelBias: _pixel_bias, BoundMean: _bound_mean,
    nn.Identity: _nothing, nn.Dropout: _nothing,
}


def export_sequential(seq: nn.Sequential, in_shape: tuple[int, ...]) -> Exported:
    """The layer list and weights of `seq` for one sample of shape `in_shape`."""
    w, layers = _Weights(), []
    shape = tuple(int(s) for s in in_shape)
    for i, m in enumerate(seq):
        export = EXPORTERS.get(type(m))
        if export is None:
            raise ExportError(f"layer {i} ({type(m).__name__}): the page has no "
                              f"implementation of {type(m).__name__}")
        shape = export(m, shape, w, layers, f"layer {i} ({type(m).__name__})")
    return Exported(layers, w.array(), tuple(int(s) for s in in_shape), shape)


def export_decoder(model: nn.Module) -> Exported:
    """z (latent_dim,) -> logits (1, 28, 28); `model` is a VAE or its decoder."""
    latent_dim = int(getattr(getattr(model, "cfg", None), "latent_dim", 2))
    return export_sequential(getattr(model, "decoder", model), (latent_dim,))


def export_encoder(model: nn.Module) -> Exported:
    """image (1, 28, 28) -> (2 * latent_dim,): mu, then logvar clamped as model.encode
    clamps it (one op of the network, so the page has no copy of the limits)."""
    net = export_sequential(model.encoder, (1, 28, 28))
    (n,) = net.out_shape
    clamp = {"op": "clamp", "from": n // 2, "lo": LOGVAR_MIN, "hi": LOGVAR_MAX, "shape": [n]}
    return Exported([*net.layers, clamp], net.weights, net.in_shape, net.out_shape)
