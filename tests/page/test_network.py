"""explorer/page/network.py and the page's runtime of what it writes (web/nn_runtime.js),
run under Node: every architecture's decoder must match torch.sigmoid(model.decode(z))."""

from __future__ import annotations

import gzip
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from explorer.page import bundle, network
from explorer.plane import latent
from explorer.vae import checkpoint
from explorer.vae.config import ARCHS, ModelConfig
from explorer.vae.model import LOGVAR_MAX, LOGVAR_MIN, build_model
from tests.conftest import node_or_skip
from tooling.node import decode_command


def node_command(*args) -> list[str]:
    return node_or_skip(decode_command(*args))


def with_batch_norm_stats(model: nn.Module, seed: int = 0) -> nn.Module:
    """Untrained batch norm is the identity; give it statistics so folding is tested."""
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm1d | nn.BatchNorm2d):
            n = m.num_features
            m.running_mean.copy_(torch.randn(n, generator=g) * 0.5)
            m.running_var.copy_(torch.rand(n, generator=g) * 1.5 + 0.5)
            m.weight.data.copy_(1 + 0.2 * torch.randn(n, generator=g))
            m.bias.data.copy_(0.2 * torch.randn(n, generator=g))
    return model.eval()


def seeded(arch: str) -> nn.Module:
    torch.manual_seed(0)
    return with_batch_norm_stats(build_model(ModelConfig(arch=arch)))


def run_js(tmp_path: Path, spec: bundle.Exported, x: np.ndarray, net: str = "decoder",
           half: bool = False) -> np.ndarray:
    data = (bundle.pack(spec, half=half) if net == "decoder"
            else bundle.pack(encoder=spec, half=half))
    (tmp_path / "b.bin").write_bytes(data)
    (tmp_path / "x.f32").write_bytes(np.ascontiguousarray(x, np.float32).tobytes())
    subprocess.run(node_command(tmp_path / "b.bin", tmp_path / "x.f32", tmp_path / "y.f32",
                                "--net", net), check=True, capture_output=True, timeout=120)
    y = np.frombuffer((tmp_path / "y.f32").read_bytes(), np.float32)
    return y.reshape(len(x), *spec.out_shape)


def random_z(n: int = 100, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-4, 4, (n, 2)).astype(np.float32)


@pytest.mark.parametrize("arch", sorted(ARCHS))
def test_every_architecture_exports(arch):
    model = seeded(arch)
    spec = network.export_decoder(model)
    assert spec.in_shape == (2,) and spec.out_shape == (1, 28, 28)
    assert spec.weights.dtype == np.float32 and spec.weights.ndim == 1
    json.dumps(spec.layers)  # plain data
    n_bn = sum(p.numel() for m in model.decoder.modules()
               if isinstance(m, nn.BatchNorm1d | nn.BatchNorm2d) for p in m.parameters())
    n = sum(p.numel() for p in model.decoder.parameters())
    assert spec.weights.size == n - n_bn  # batch norm folded away, nothing else lost
    enc = network.export_encoder(model)
    assert enc.in_shape == (1, 28, 28) and enc.out_shape == (4,)


@pytest.mark.parametrize("arch", sorted(ARCHS))
def test_js_decoder_matches_pytorch(arch, tmp_path):
    model, z = seeded(arch), random_z()
    got = run_js(tmp_path, network.export_decoder(model), z)
    assert np.abs(got[:, 0] - latent.decode(model, z)).max() < 1e-4


def test_js_decoder_matches_the_shipped_model(tmp_path):
    if not checkpoint.PRETRAINED.is_file():
        pytest.skip("no pretrained/mnist.pt")
    model, _ = checkpoint.load(checkpoint.PRETRAINED)
    z = random_z(seed=1)
    got = run_js(tmp_path, network.export_decoder(model), z)
    assert np.abs(got[:, 0] - latent.decode(model, z)).max() < 1e-4


@pytest.mark.parametrize("arch", sorted(ARCHS))
def test_js_encoder_matches_pytorch(arch, tmp_path):
    model = seeded(arch)
    x = torch.rand(20, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected = model.encoder(x).numpy()
    got = run_js(tmp_path, network.export_encoder(model), x.numpy(), net="encoder")
    assert np.abs(got - expected).max() < 1e-4 * max(1.0, np.abs(expected).max())


def test_js_encoder_bounds_the_means_as_pytorch_does(tmp_path):
    torch.manual_seed(0)
    model = build_model(ModelConfig(arch="mlp", mean_bound=0.5)).eval()
    x = torch.rand(20, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected = model.encoder(x).numpy()
    assert np.abs(expected[:, :2]).max() < 0.5  # the means, bounded ...
    assert np.abs(expected[:, :2]).max() > 0.1  # ... not zero
    got = run_js(tmp_path, network.export_encoder(model), x.numpy(), net="encoder")
    assert np.abs(got - expected).max() < 1e-5


@pytest.mark.parametrize("shift", [-40.0, 40.0])
def test_js_encoder_clamps_logvar_as_the_model_does(tmp_path, shift):
    torch.manual_seed(0)
    model = build_model(ModelConfig(arch="mlp")).eval()
    with torch.no_grad():
        model.encoder[-1].bias[2:] += shift  # every logvar far outside the clamp
        x = torch.rand(5, 1, 28, 28, generator=torch.Generator().manual_seed(0))
        expected = torch.cat(model.encode(x), 1).numpy()
    assert np.all(expected[:, 2:] == (LOGVAR_MAX if shift > 0 else LOGVAR_MIN))
    got = run_js(tmp_path, network.export_encoder(model), x.numpy(), net="encoder")
    assert np.abs(got - expected).max() < 1e-5


@pytest.mark.parametrize("far", [7.99, 8.5, 150.0, 2.0e4])
def test_points_far_out_are_stored_where_they_lie(far):
    points = np.array([[far, -far], [0.001, 0.0], [-far / 3, far / 7]])
    header, body = bundle.unpack(bundle.pack(points=points))
    p = header["points"]
    xy = np.frombuffer(body, "<i2", 2 * p["n"], p["xy"]).reshape(-1, 2) / p["scale"]
    np.testing.assert_allclose(xy, points, atol=1 / p["scale"])
    assert p["scale"] == (4096 if far < 8 else bundle.point_scale(points))
    assert p["scale"] * far <= 32767 < 2 * p["scale"] * far or p["scale"] == 4096


def test_every_supported_layer_in_odd_shapes(tmp_path):
    """Asymmetric kernels, strides and paddings, batch norm with no layer to fold into,
    output padding, pixel shuffle and upsampling by 3."""
    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Linear(2, 64), nn.BatchNorm1d(64), nn.LeakyReLU(0.1),
        nn.Linear(64, 8 * 5 * 5), nn.Unflatten(1, (8, 5, 5)), nn.SiLU(), nn.BatchNorm2d(8),
        nn.ConvTranspose2d(8, 12, (3, 4), stride=(2, 3), padding=(1, 1), output_padding=(1, 2)),
        nn.BatchNorm2d(12), nn.ReLU(),  # (12, 10, 16)
        nn.Conv2d(12, 8, (3, 5), stride=(2, 1), padding=(2, 1)),  # (8, 6, 14)
        nn.PixelShuffle(2), nn.Upsample(scale_factor=3),  # (2, 36, 84)
        nn.Conv2d(2, 1, 3, padding=1, bias=False), nn.Dropout(0.5),
    )
    net = with_batch_norm_stats(net)
    spec = network.export_sequential(net, (2,))
    assert spec.out_shape == (1, 36, 84)
    assert "affine" in [layer["op"] for layer in spec.layers]
    z = random_z(20)
    with torch.no_grad():
        expected = torch.sigmoid(net(torch.from_numpy(z))).numpy()
    assert np.abs(run_js(tmp_path, spec, z) - expected).max() < 1e-4


def test_unsupported_layers_are_named():
    with pytest.raises(network.ExportError, match="Tanh"):
        network.export_sequential(nn.Sequential(nn.Linear(2, 3), nn.Tanh()), (2,))
    with pytest.raises(network.ExportError, match="groups"):
        network.export_sequential(nn.Sequential(nn.Conv2d(2, 2, 3, groups=2)), (2, 5, 5))
    with pytest.raises(network.ExportError, match="expects"):
        network.export_sequential(nn.Sequential(nn.Linear(3, 3)), (2,))


def test_export_is_deterministic():
    points = np.random.default_rng(0).normal(size=(500, 2))
    labels = np.arange(500) % 10
    first = bundle.pack(network.export_decoder(seeded("conv_bn")), points, labels)
    again = bundle.pack(network.export_decoder(seeded("conv_bn")), points, labels)
    assert first == again


def test_file_layout_points_and_digits():
    spec = network.export_decoder(seeded("mlp"))
    points = np.array([[0.5, -1.25], [3.999, -4.0], [9.0, 0.0]])
    digits = np.random.default_rng(0).integers(0, 256, (3, 28, 28)).astype(np.uint8)
    data = bundle.pack(spec, points, np.array([3, 7, 9]), digits=digits, meta={"model": "mlp"})
    header, body = bundle.unpack(data)
    assert header["meta"] == {"model": "mlp"} and (len(data) - len(body)) % 4 == 0
    off, n = header["decoder"]["weights"]
    np.testing.assert_array_equal(np.frombuffer(body, "<f4", n, off), spec.weights)
    p = header["points"]
    xy = np.frombuffer(body, "<i2", 2 * p["n"], p["xy"]).reshape(-1, 2) / p["scale"]
    np.testing.assert_allclose(xy, points, atol=1 / p["scale"])  # 9 too: nothing clipped
    assert p["scale"] == 2048
    assert list(np.frombuffer(body, np.uint8, 3, p["labels"])) == [3, 7, 9]
    d = header["digits"]
    levels = np.frombuffer(gzip.decompress(body[d["offset"]:d["offset"] + d["length"]]),
                           np.uint8).reshape(3, 28, 28)
    assert levels.max() <= d["levels"] - 1
    # 16 grey levels: every pixel within half a level of the original
    assert np.abs(levels * 255.0 / (d["levels"] - 1) - digits).max() <= 255 / 15 / 2 + 1e-9
    with pytest.raises(ValueError, match="not a Latent Explorer"):
        bundle.unpack(b"nope" + data[4:])
    with pytest.raises(ValueError, match="damaged"):
        bundle.unpack(data[:9] + b"{" * 20 + data[29:])


def test_half_precision_weights_halve_the_file_and_still_decode(tmp_path):
    """The share file stores weights as float16: half the bytes, pictures within 1%."""
    model, z = seeded("conv"), random_z(seed=2)
    spec = network.export_decoder(model)
    assert len(bundle.pack(spec, half=True)) < 0.52 * len(bundle.pack(spec))
    got = run_js(tmp_path, spec, z, half=True)
    assert 0 < np.abs(got[:, 0] - latent.decode(model, z)).max() < 1e-2
