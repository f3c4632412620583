"""Node.js for running the page's network runtime outside a browser (tests/page/js/decode.mjs)."""

from __future__ import annotations

import shutil
from pathlib import Path

DECODE = Path(__file__).resolve().parent.parent / "tests" / "page" / "js" / "decode.mjs"


def node_binary() -> str | None:
    """Node on PATH, else the one inside the playwright package (a dev requirement)."""
    found = shutil.which("node")
    if found:
        return found
    try:
        import playwright
    except ImportError:
        return None
    bundled = Path(playwright.__file__).parent / "driver" / "node"
    return str(bundled) if bundled.is_file() else None


def decode_command(*args) -> list[str] | None:
    """`node tests/page/js/decode.mjs ARGS...`, or None without Node."""
    node = node_binary()
    return None if node is None else [node, str(DECODE), *map(str, args)]
