"""One training configuration, shared by `train_cli.py`, the browser's Train tab and the
benchmarks, plus the model configuration it implies."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

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


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 30  # passes over the 60k training images
    batch_size: int = 128  # 128 keeps both CPU cores busy without slowing convergence
    lr: float = 5e-3  # peak of the one-cycle schedule (warm up 30%, cosine down to ~0)
    beta: float = 1.0  # KL weight; <1 sharpens digits but leaves gaps in the plane, >1 blurs
    seed: int = 0  # same seed + same device + same threads = same losses
    device: str = "auto"  # auto picks cuda, then mps, then cpu
    dataset: str = "mnist"  # mnist or fashion-mnist
    arch: str = "conv"  # see ARCHS
    likelihood: str = "bernoulli"  # see LIKELIHOODS
    max_seconds: float = 0.0  # time budget (0 = none); the schedule fits whichever ends first
    train_subset: int = 0  # use only this many training images (0 = all); for quick runs
    test_subset: int = 0  # evaluate on this many test images each epoch (0 = all 10k)
    threads: int = 0  # CPU threads for torch (0 = torch's default)
    clip: float = 200.0  # gradient-norm clip (about the 95th percentile of a healthy run's
    # norms): it tames the rare spike that at a high learning rate can blow a run up
    schedule: str = "one-cycle"  # or "constant" (the TF tutorial's recipe)
    binarization: str = "dynamic"  # fresh Bernoulli draw per batch, or "threshold" at 0.5

    def model_config(self) -> ModelConfig:
        return ModelConfig(arch=self.arch, likelihood=self.likelihood, dataset=self.dataset)

    def validate(self) -> TrainConfig:
        """Raise ValueError with a readable message for values training cannot use."""
        checks = [
            (self.epochs >= 1, "epochs must be at least 1"),
            (1 <= self.batch_size <= 4096, "batch size must be between 1 and 4096"),
            (0 < self.lr <= 1.0, "learning rate must be in (0, 1]"),
            (0 <= self.beta <= 10, "beta must be between 0 and 10"),
            (self.device in DEVICES, f"device must be one of {', '.join(DEVICES)}"),
            (self.arch in ARCHS, f"arch must be one of {', '.join(ARCHS)}"),
            (self.likelihood in LIKELIHOODS, f"likelihood must be one of {', '.join(LIKELIHOODS)}"),
            (self.dataset in ("mnist", "fashion-mnist"), "dataset must be mnist or fashion-mnist"),
            (self.max_seconds >= 0, "max_seconds must be >= 0"),
            (self.clip >= 0, "clip must be >= 0 (0 = no clipping)"),
            (self.train_subset >= 0 and self.test_subset >= 0, "subsets must be >= 0"),
            (self.schedule in ("one-cycle", "constant"), "schedule must be one-cycle or constant"),
            (self.binarization in ("dynamic", "threshold"),
             "binarization must be dynamic or threshold"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)
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
