"""explorer/ui/explore/tab.py and view.py through AppTest: z and the clicked digit in
session state, what the page reports checked before use, and the Python fallback."""


import pytest

from explorer.ui.explore.view import as_index, as_z
from tests.apptest import explore_data, new_app, open_tab


def test_z_and_the_clicked_digit_are_set_through_session_state():
    at = new_app()
    at.session_state["z0"] = 2.5
    at.session_state["selected"] = 17
    at.run()
    assert not at.exception
    data = explore_data(at)
    assert data["z"] == [2.5, 0.0] and data["selected"] == 17
    open_tab(at, "Interpolate")  # the other tabs see the digit clicked on Explore
    assert not at.button(key="btn_ip_sel_a").proto.disabled


@pytest.mark.parametrize("value,lim,z", [
    ([0.5, -1.25], 4, (0.5, -1.25)), ([0.123, 9], 4, (0.12, 4.0)), ([1, 2, 7], 4, (1.0, 2.0)),
    (["0.5", "1"], 4, (0.5, 1.0)), ([float("nan"), 0], 4, None), (["x", 0], 4, None),
    ([1], 4, None), (None, 4, None), ({"0": 1}, 4, None),
])
def test_a_z_reported_by_the_page_is_checked_before_use(value, lim, z):
    assert as_z(value, lim) == z


@pytest.mark.parametrize("value,index", [
    (17, 17), (9999, 9999), (10_000, None), (-1, None), (3.0, 3), (3.5, None), ("3", None),
    (None, None), (True, None), ([3], None),
])
def test_a_digit_reported_by_the_page_is_checked_before_use(value, index):
    assert as_index(value, 10_000) == index


def test_a_network_the_page_cannot_run_is_drawn_by_python(monkeypatch, tmp_path,
                                                          page_cannot_run_it):
    """The page says so, Python decodes, nothing breaks."""
    from explorer.ui import models

    monkeypatch.setenv("LATENT_EXPLORER_CACHE", str(tmp_path))
    models.page_data.clear()
    try:
        at = new_app()
        fallback = explore_data(at)["fallback"]
        assert "Tanh" in fallback["reason"] and "server" in fallback["reason"]
        assert fallback["preview"].startswith("data:image/png;base64,")
        assert fallback["grid"].startswith("data:image/png;base64,") and fallback["recon"] is None
        at.session_state["z0"], at.session_state["selected"] = 1.5, 3
        at.run()
        moved = explore_data(at)["fallback"]
        assert moved["z"] == [1.5, 0.0] and moved["preview"] != fallback["preview"]
        assert moved["recon"].startswith("data:image/png;base64,")
        [share] = [b for b in at.get("download_button") if b.key == "dl_share"]
        assert share.proto.disabled  # no share file without the network
    finally:
        models.page_data.clear()
