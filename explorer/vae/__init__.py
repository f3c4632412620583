"""The VAE and its training: the settings (config), the networks (model), p(z) (priors), the
ELBO's terms (objectives), the training loop (train) with its events, time-lapse snapshots
and history, checkpoints, continuing a run (resume), evaluation, and one whole run from
config to checkpoint (runner)."""
