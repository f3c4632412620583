"""explorer/ui/interpolate/tab.py through AppTest: interpolation between test digits, typed
z values and your digit, and samples from the prior."""


import numpy as np

from tests.apptest import downloads, errors, image_captions, image_urls, new_app, open_tab


def test_interpolation_between_two_test_digits_draws_a_strip_and_a_path():
    at = open_tab(new_app(), "Interpolate")
    assert not errors(at)
    caption = [c for c in image_captions(at) if "→" in c][0]
    assert "test digit #" in caption and "10 steps (linear)" in caption
    chart = [c for c in at.get("plotly_chart") if "path (linear)" in c.proto.spec][0]
    assert '"Start"' in chart.proto.spec and '"End"' in chart.proto.spec
    assert {"Strip (PNG)", "Morph (GIF)", "Samples (PNG)"} <= set(downloads(at))
    before = image_urls(at)
    at.slider(key="ip_steps").set_value(16).run()
    at.radio(key="ip_method").set_value("slerp").run()
    assert not at.exception
    assert any("16 steps (slerp)" in c for c in image_captions(at))
    assert image_urls(at) != before


def test_typed_z_endpoints_and_a_bad_one():
    at = open_tab(new_app(), "Interpolate")
    at.radio(key="ip_src_b").set_value("typed z").run()
    at.text_input(key="ip_z_b").set_value("2.5, -0.5").run()
    assert any("z = (2.50, -0.50)" in c for c in image_captions(at))
    at.text_input(key="ip_z_b").set_value("two, three").run()
    assert not at.exception
    assert any("two numbers" in e for e in errors(at))


def test_your_digit_endpoint_needs_a_drawing_first_then_uses_it():
    at = open_tab(new_app(), "Interpolate")
    at.radio(key="ip_src_a").set_value("your digit").run()
    assert any("Draw or upload" in i.value for i in at.info)
    x = np.zeros((28, 28), np.float32)
    x[6:22, 13:16] = 1.0  # a 1
    at.session_state["your_digit"] = x
    at.run()
    assert any(c.startswith("your digit →") for c in image_captions(at))


def test_prior_samples_redraw_with_a_new_seed_and_temperature():
    at = open_tab(new_app(), "Interpolate")
    first = [c for c in image_captions(at) if "samples" in c][0]
    assert "64 samples, T = 1" in first and "#0" in first
    at.button(key="btn_prior_draw").click().run()
    at.slider(key="prior_t").set_value(0.5).run()
    caption = [c for c in image_captions(at) if "samples" in c][0]
    assert "T = 0.5" in caption and "#1" in caption


def test_a_typed_end_beyond_the_plane_extends_the_view_to_it():
    import json

    at = open_tab(new_app(), "Interpolate")

    def y_range():
        chart = [c for c in at.get("plotly_chart") if "path (linear)" in c.proto.spec][0]
        return json.loads(chart.proto.spec)["layout"]["yaxis"]["range"]

    assert y_range() == [-4, 4]  # the shipped model's extent
    at.radio(key="ip_src_b").set_value("typed z").run()
    at.text_input(key="ip_z_b").set_value("0.5, -30").run()
    assert not at.exception and y_range() == [-40, 40]  # the whole path in view
