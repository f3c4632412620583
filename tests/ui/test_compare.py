"""explorer/ui/compare/tab.py through AppTest: two runs side by side; a broken file said."""



from explorer import paths
from tests.apptest import errors, image_captions, new_app, open_tab


def test_compare_two_runs_side_by_side(two_runs):
    at = open_tab(new_app(), "Compare")
    at.selectbox(key="cmp_a").set_value(two_runs[0]).run()
    at.selectbox(key="cmp_b").set_value(two_runs[1]).run()
    assert not at.exception and not errors(at)
    table = at.table[0].value
    assert list(table.columns) == ["", "Model A", "Model B"]
    rows = dict(zip(table[""], zip(table["Model A"], table["Model B"], strict=True),
                    strict=True))
    assert rows["beta"] == ("0.5", "4")
    assert float(rows["KL"][0]) > float(rows["KL"][1])  # beta 4 pays for less KL
    assert len([c for c in at.get("plotly_chart") if "z[0]" in c.proto.spec]) == 2
    assert any("beta" not in c and "manifold" in c for c in image_captions(at))
    curves = [c for c in at.get("plotly_chart") if "A: test -ELBO" in c.proto.spec]
    assert curves and "B: KL" in curves[0].proto.spec


def test_compare_with_a_broken_run_file_says_so():
    broken = paths.runs_dir() / "broken.pt"
    paths.runs_dir().mkdir(parents=True, exist_ok=True)
    broken.write_bytes(b"PK\x03\x04 half a zip")
    try:
        at = open_tab(new_app(), "Compare")
        at.selectbox(key="cmp_b").set_value(str(broken)).run()
        assert not at.exception
        assert any("broken (" not in e and "cannot be loaded" in e for e in errors(at))
    finally:
        broken.unlink()


def test_each_model_is_shown_on_its_own_plane(tmp_path):
    """A model whose plane is 50 times wider than the shipped one's gets axes and a
    manifold 50 times wider, and the page says each model has its own."""
    import json

    from tooling import wide

    path = wide.write(paths.PRETRAINED, paths.runs_dir() / "cmp-wide.pt", 50.0)
    try:
        at = open_tab(new_app(), "Compare")
        at.selectbox(key="cmp_a").set_value(str(paths.PRETRAINED)).run()
        at.selectbox(key="cmp_b").set_value(str(path)).run()
        assert not at.exception and not errors(at)
        ranges = [json.loads(c.proto.spec)["layout"]["yaxis"]["range"]
                  for c in at.get("plotly_chart") if "z[0]" in c.proto.spec]
        assert ranges == [[-4, 4], [-200, 200]]
        captions = " ".join(c.value for c in at.caption)
        assert "Over ±4," in captions and "Over ±200," in captions and "own plane" in captions
        grids = [c for c in image_captions(at) if "manifold" in c]
        assert grids == ["manifold over [-3, 3]², 12 x 12", "manifold over [-150, 150]², 12 x 12"]
    finally:
        path.unlink()
