"""What ships around the code: a server started from the repository, as `make run` and a host
start it (no flags), listens on this machine only and runs with the limits the app needs."""

import json
import subprocess
import sys

from tests.conftest import ROOT
from tooling.browser import free_port
from tooling.served import wait_health

OPTIONS = """
import json
from streamlit import config
print(json.dumps({k: config.get_option(k) for k in ("server.maxUploadSize",
                                                     "global.minCachedMessageSize")}))
"""


def listening(port: int) -> set[str]:
    """The local addresses (hex, as the kernel writes them) of the sockets that LISTEN on
    `port`, IPv4 and IPv6."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in open(table).read().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hexport = local.rsplit(":", 1)
            if state == "0A" and int(hexport, 16) == port:
                found.add(address)
    return found


def test_a_server_started_here_listens_on_loopback_only_with_the_apps_limits(tmp_path):
    """Bound to 127.0.0.1 alone (not every interface); uploads as big as a zip of pictures
    (explorer.datasets.archive) are let through; no element is ever sent as a reference to the
    page's cache (the page can evict one just before a reply refers to it: "Cached
    ForwardMsg MISS")."""
    from explorer.datasets import archive

    script, port = tmp_path / "empty.py", free_port()
    script.write_text("")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script),
                             "--server.port", str(port)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_health(f"http://127.0.0.1:{port}", 60)
        assert listening(port) == {"0100007F"}  # 127.0.0.1, and nothing else
    finally:
        proc.terminate()
        proc.wait(10)
    # the options as Streamlit takes them from the repository's config, run from its root
    done = subprocess.run([sys.executable, "-c", OPTIONS], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    options = json.loads(done.stdout)
    assert options["server.maxUploadSize"] << 20 >= archive.MAX_ARCHIVE_BYTES
    assert options["global.minCachedMessageSize"] >= 1e9
