"""What ships around the code: the server config and the README's two commands."""

import re
import tomllib

from tests.conftest import ROOT


def test_the_app_binds_to_this_machine_only_and_limits_uploads():
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert cfg["server"]["address"] == "127.0.0.1"
    # what the server takes at most: a zip of your pictures (the upload box of an image says
    # 25 MB, and explorer/images.py refuses more unread)
    from explorer import archive

    assert cfg["server"]["maxUploadSize"] == archive.MAX_ARCHIVE_BYTES >> 20 == 200
    assert cfg["browser"]["gatherUsageStats"] is False


def test_the_server_never_sends_references_to_cached_elements():
    """Streamlit's page can evict a cached element just before a reply refers to it (two
    quick reruns); it then stops with "Cached ForwardMsg MISS". No element is ever cacheable
    under this size, so no reference is ever sent."""
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert cfg["global"]["minCachedMessageSize"] >= 1e9


def test_readme_gives_exactly_the_two_commands_and_make_has_them():
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = re.findall(r"^(make \w+)", quick, re.M)
    assert commands == ["make run", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^run:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci
