"""explorer/ui/plots.py: figure builders."""

from explorer.ui import plots


def test_loss_axes_are_log_for_nats_and_linear_when_a_loss_is_negative():
    steps = {"step": [1, 2, 3], "loss": [540.0, 200.0, 150.0], "recon": [540.0, 190.0, 140.0],
             "kl": [0.0, 8.0, 9.0]}
    fig = plots.loss_figure(steps, {"step": [3], "test_elbo": [-151.0]})
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis.range[0] < 0  # from 0.5 nats
    gaussian = {"step": [1, 2], "loss": [300.0, -900.0], "recon": [300.0, -910.0],
                "kl": [0.0, 10.0]}
    assert plots.loss_figure(gaussian).layout.yaxis.type == "linear"
    assert plots.compare_figure({"A": {"epochs": {"epoch": [1], "test_elbo": [-151.0],
                                                  "test_kl": [7.0]}}}).layout.yaxis.type == "log"
