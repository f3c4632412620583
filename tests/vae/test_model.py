import pytest
import torch

from explorer.vae.config import ARCHS, ModelConfig
from explorer.vae.model import PixelBias, build_model


@pytest.mark.parametrize("arch", sorted(ARCHS))
def test_encode_decode_shapes_and_ranges(arch):
    torch.manual_seed(0)
    model = build_model(ModelConfig(arch=arch)).eval()
    x = torch.rand(5, 1, 28, 28)
    mu, logvar = model.encode(x)
    assert mu.shape == logvar.shape == (5, 2)
    assert torch.isfinite(mu).all() and torch.isfinite(logvar).all()
    logits = model.decode(torch.randn(7, 2) * 3)
    assert logits.shape == (7, 1, 28, 28) and torch.isfinite(logits).all()
    pictures = model.sample(4)
    assert pictures.shape == (4, 1, 28, 28)
    assert 0 <= pictures.min() and pictures.max() <= 1
    logits, mu, logvar = model(x)
    assert logits.shape == x.shape


def test_output_bias_starts_at_the_mean_image(mnist_train):
    model = build_model(ModelConfig()).eval()
    mean = mnist_train.images[:1000].float().mean(0) / 255
    model.init_from_data(mean.expand(4, 1, 28, 28))
    (bias,) = [m.bias for m in model.decoder.modules() if isinstance(m, PixelBias)]
    probs = torch.sigmoid(bias)
    assert torch.allclose(probs, mean.clamp(1e-3, 1 - 1e-3), atol=1e-5)


def test_unknown_architecture_is_refused():
    with pytest.raises(ValueError, match="unknown architecture"):
        build_model(ModelConfig(arch="transformer"))


def test_logvar_is_clamped_so_exp_stays_finite():
    model = build_model(ModelConfig(arch="mlp"))
    with torch.no_grad():
        model.encoder[-1].bias.fill_(1e4)
    _, logvar = model.encode(torch.rand(2, 1, 28, 28))
    assert torch.isfinite(logvar.exp()).all()
