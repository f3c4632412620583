"""The contestants: our model and recipe, and the three baselines of issue 3.

(a) the TF CVAE tutorial's network with the tutorial's recipe (Adam 1e-4 constant, batch 32,
    images thresholded at 0.5); (b) the same network with our recipe; (c) the MLP VAE
    (784-256-128-2) with our recipe. "Our recipe" is TrainConfig's defaults: dynamic
    binarization, batch 128, Adam with a one-cycle learning rate fitted to the budget.
"""

from __future__ import annotations

from explorer.vae.config import TrainConfig

OURS = TrainConfig(arch="conv")
CONTESTANTS: dict[str, TrainConfig] = {
    "ours": OURS,
    "a: tutorial, its recipe": TrainConfig(arch="tutorial", lr=1e-4, batch_size=32,
                                           schedule="constant", binarization="threshold"),
    "b: tutorial, our recipe": TrainConfig(arch="tutorial"),
    "c: MLP, our recipe": TrainConfig(arch="mlp"),
    # issue 15: ours with a learned prior (python -m bench --only ours,mog,vamp,vamp32)
    "ours, MoG prior": TrainConfig(arch="conv", prior="mog"),
    "ours, VampPrior": TrainConfig(arch="conv", prior="vamp"),
    "ours, VampPrior (32)": TrainConfig(arch="conv", prior="vamp", components=32),
}
KEYS = {"ours": "ours", "a": "a: tutorial, its recipe", "b": "b: tutorial, our recipe",
        "c": "c: MLP, our recipe", "mog": "ours, MoG prior", "vamp": "ours, VampPrior",
        "vamp32": "ours, VampPrior (32)"}
