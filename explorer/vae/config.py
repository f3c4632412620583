"""One training configuration, shared by `train_cli.py`, the browser's Train tab and the
benchmarks, plus the model configuration it implies."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from explorer.datasets import registry
from explorer.vae.priors import PRIORS

ARCHS = {
    "conv": "Ours: 8x8-patch conv encoder, dense layers, 3x3 conv + pixel-shuffle decoder.",
    "tutorial": "The TensorFlow CVAE tutorial: two stride-2 convs, ConvTranspose2d decoder.",
    "mlp": "The strongest simple peer: an MLP, 784-256-128 -> z -> 128-256-784, ReLU.",
    "keras_mlp": "The Keras MLP VAE write-up: one hidden layer of 256 units each side, ReLU.",
    "conv_bn": "A deeper conv net with batch norm and LeakyReLU, upsample + conv decoder.",
}
LIKELIHOODS = {
    "bernoulli": "Binary cross-entropy: pixels are coin flips (right for binarized MNIST).",
    "gaussian": "Squared error: Gaussian pixels, fixed std 0.1 (the 'MSE' of many tutorials).",
}
DEVICES = ("auto", "cpu", "cuda", "mps")


@dataclass(frozen=True)
class ModelConfig:
    arch: str = "conv"
    latent_dim: int = 2  # 2 so the latent plane can be drawn without projection
    likelihood: str = "bernoulli"
    dataset: str = "mnist"  # which class names go with it
    width: int = 32  # channels of the conv decoder's 7x7 feature map (ours only)
    prior: str = "standard"  # p(z), see priors.PRIORS; models saved before priors: standard
    components: int = 1  # of a learned prior (mixture components or pseudo-inputs)
    anchor: float = 0.0  # weight of a fixed N(0, I) component in a learned prior (0: none)
    mean_bound: float = 0.0  # encoded means squashed into +-this by b*tanh(mu/b) (0: free)


def setting(default, help: str, choices=None, low: float | None = None,
            high: float | None = None, label: str | None = None):
    """A TrainConfig field with its help text, choices (a tuple, or a function that lists
    them when asked) and limits (and a name for people, where the field's is terse):
    written once, read by train_cli.py's flags, the Train tab's widgets and `validate`."""
    return field(default=default, metadata={"help": help, "choices": choices, "min": low,
                                            "max": high, "label": label})


def off_by_default(high: float, help: str):
    """A setting from 0 (off, the default) to `high`: a weight or a bound."""
    return setting(0.0, help + " (0 = none)", low=0.0, high=high)


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = setting(30, "passes over the training images", low=1)
    # 128 keeps both CPU cores busy without slowing convergence
    batch_size: int = setting(128, "images per optimisation step", low=1, high=4096)
    # the peak of a one-cycle schedule: a 30% warm-up, then cosine down to about 0
    lr: float = setting(5e-3, "peak learning rate of the one-cycle schedule (Adam)",
                        low=1e-6, high=1.0, label="learning rate (lr)")
    # <1 sharpens digits but leaves gaps in the plane, >1 smooths the plane and blurs them
    beta: float = setting(1.0, "weight of the KL term: 1 = the true ELBO, <1 sharper digits, "
                               ">1 a smoother plane (too large: the latent space collapses "
                               "onto the prior, KL near 0)", low=0.0, high=10.0)
    # same seed + same device + same threads = same losses
    seed: int = setting(0, "random seed; the same seed on the same device gives the same "
                           "losses", low=0, high=2**31 - 1)
    device: str = setting("auto", "where to train: auto picks cuda, then mps, then cpu",
                          choices=DEVICES)
    # the built-in datasets and those made here from your pictures (explorer/datasets/registry.py)
    dataset: str = setting("mnist", "the images to learn: mnist, fashion-mnist, or a dataset "
                                    "made from your pictures (python -m explorer.datasets import "
                                    "PATH, or train_cli.py --images PATH)",
                           choices=registry.names)
    arch: str = setting("conv", "the network: " + "; ".join(f"{k} = {v}" for k, v in
                                                           ARCHS.items()), choices=tuple(ARCHS))
    likelihood: str = setting("bernoulli", "the pixel model: " + "; ".join(
        f"{k} = {v}" for k, v in LIKELIHOODS.items()), choices=tuple(LIKELIHOODS))
    max_seconds: float = setting(0.0, "stop after this many seconds of training, the last "
                                      "test pass included (0 = no limit); the learning-rate "
                                      "schedule is fitted to "
                                      "whichever ends first, the epochs or this", low=0.0,
                                 label="time budget (max seconds)")
    train_subset: int = setting(0, "train on only this many images (0 = all); for quick runs",
                                low=0)
    test_subset: int = setting(0, "evaluate each epoch on this many test images (0 = all)",
                               low=0)
    threads: int = setting(0, "CPU threads for PyTorch (0 = its default)", low=0)
    # about the 95th percentile of a healthy run's gradient norms: it tames the rare spike
    # that at a high learning rate can blow a run up
    clip: float = setting(200.0, "clip the gradient norm at this value (0 = never)", low=0.0)
    prior: str = setting("standard", "p(z): " + "; ".join(f"{k} = {v}" for k, v in
                                                         PRIORS.items()), choices=tuple(PRIORS))
    components: int = setting(64, "mixture components (mog) or pseudo-inputs (vamp) of a "
                                  "learned prior", low=1, high=1000)
    # a learned prior leaves the plane's scale free (the ELBO does not change when z, the
    # prior and the decoder's input are scaled together): these three pin it down
    anchor: float = off_by_default(0.9, "weight of a fixed N(0, I) component in a learned "
                                   "prior's mixture: the learned components share the rest")
    mean_bound: float = off_by_default(100.0, "bound the encoded means to +-this on each "
                                       "axis with b*tanh(mu/b)")
    spread: float = off_by_default(100.0, "weight of a penalty on the encoded training digits' "
                                   "spread: the KL from N(0, I) to a Gaussian with their mean "
                                   "and covariance, per image; keeps a learned prior's plane "
                                   "at the standard model's scale")
    # K > 1 trains on a tighter bound than the ELBO, at K times the decoder's work a step
    samples: int = setting(1, "importance samples per image in the training objective: 1 = "
                              "the ELBO, K > 1 = the IWAE bound (Burda et al. 2016)",
                           low=1, high=64)
    schedule: str = setting("one-cycle", "learning rate: one-cycle (warm up, cosine down) or "
                                         "constant (the TensorFlow tutorial's)",
                            choices=("one-cycle", "constant"))
    binarization: str = setting("dynamic", "training pixels: dynamic (a fresh coin flip per "
                                           "pixel per batch) or threshold (> 0.5)",
                                choices=("dynamic", "threshold"))

    @classmethod
    def spec(cls, name: str, root: Path | None = None) -> dict:
        """{"help", "choices", "min", "max", "default"} of one setting (the datasets: those
        under the data folder `root`, default paths.data_dir())."""
        f = cls.__dataclass_fields__[name]
        choices = f.metadata["choices"]
        return {**f.metadata, "choices": choices(root) if callable(choices) else choices,
                "default": f.default}

    def model_config(self) -> ModelConfig:
        return ModelConfig(arch=self.arch, likelihood=self.likelihood, dataset=self.dataset,
                           prior=self.prior,
                           components=1 if self.prior == "standard" else self.components,
                           anchor=0.0 if self.prior == "standard" else self.anchor,
                           mean_bound=self.mean_bound)

    def validate(self, root: Path | None = None) -> TrainConfig:
        """Raise ValueError with a readable message for values training cannot use (the
        limits and choices of each setting; the datasets under the data folder `root`)."""
        for f in fields(self):
            value, m = getattr(self, f.name), self.spec(f.name, root)
            name = m["label"] or f.name.replace("_", " ")
            if m["choices"] is not None and value not in m["choices"]:
                raise ValueError(f"{name} must be one of {', '.join(m['choices'])}")
            low, high = m["min"], m["max"]
            if (low is not None and value < low) or (high is not None and value > high):
                bounds = (f"between {low:g} and {high:g}" if high is not None
                          else f"at least {low:g}")
                raise ValueError(f"{name} must be {bounds}")
        return self

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})

    def to_dict(self) -> dict:
        return asdict(self)


def resolve_device(name: str = "auto"):
    """'auto' -> the best accelerator present, else CPU; a named one must exist (a
    torch.device; torch is imported here, so that reading a config needs none)."""
    import torch

    if name == "auto":
        acc = torch.accelerator.current_accelerator() if torch.accelerator.is_available() else None
        return acc if acc is not None else torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' asked for, but no CUDA GPU is available")
    if name == "mps" and not torch.backends.mps.is_available():
        raise ValueError("device 'mps' asked for, but Apple's MPS backend is not available")
    return torch.device(name)
