"""The train/test split of a dataset of your own: a fixed share of each class held out."""

from __future__ import annotations

import numpy as np

TEST_FRACTION = 0.1


def split(labels: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the train and test splits: TEST_FRACTION of each class (at least one) to
    test, chosen by `seed`; both shuffled."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        k = max(1, round(TEST_FRACTION * len(idx)))
        test.append(idx[:k])
        train.append(idx[k:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))
