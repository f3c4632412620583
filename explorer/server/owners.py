"""Who owns what. Every run, dataset import and dataset belongs to the person who started it:
the signed-in account where the server has Streamlit's login configured, else the browser
(a random secret the page keeps in the browser's localStorage; only its hash is ever kept
or compared). Runs made with train_cli.py, and everything saved before owners existed,
belong to whoever runs the server, and are shared.

An owner's things live apart on disk, under a tag derived from their identity:
`runs/<tag>/<name>.pt` for runs, `custom/<name>.<tag>/` for datasets (the server's own stay
at `runs/<name>.pt` and `custom/<name>/`), so that names are per owner and a path alone
says whose a file is.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

SERVER_ID = "server"
TOKEN = re.compile(r"[0-9a-f]{32}")  # what the page's identity script keeps (128 random bits)
TAG = re.compile(r"[0-9a-f]{12}")


class NotYours(PermissionError):
    """A request that names a run, dataset or job the caller does not own (or may not see):
    refused, and nothing changed."""


@dataclass(frozen=True)
class Owner:
    id: str  # "user:<e-mail>", "browser:<sha256 of its secret>", or SERVER_ID
    shown: str  # how the page names them to themselves
    admin: bool = False  # sees every run and can stop any (a teacher; only with login)

    @property
    def tag(self) -> str | None:
        """Their folder's name (None for the server, whose files are at the top, and for
        nobody)."""
        return None if self.id in (SERVER_ID, NOBODY_ID) else tag_of(self.id)

    @property
    def is_server(self) -> bool:
        return self.id == SERVER_ID


SERVER = Owner(SERVER_ID, "this server")
NOBODY_ID = "nobody"
NOBODY = Owner(NOBODY_ID, "a visitor")  # not known yet: sees what everyone sees, owns nothing


def tag_of(owner_id: str) -> str:
    return hashlib.sha256(owner_id.encode()).hexdigest()[:12]


def from_login(user: dict, admins: frozenset[str] = frozenset()) -> Owner | None:
    """The owner for a signed-in `st.user` (None when nobody is signed in)."""
    if not user or not user.get("is_logged_in"):
        return None
    account = str(user.get("email") or user.get("sub") or "").strip().lower()
    if not account:
        return None
    return Owner(f"user:{account}", account, admin=account in admins)


def from_browser(token: object) -> Owner | None:
    """The owner for the secret the page keeps (None for anything that is not one)."""
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        return None
    digest = hashlib.sha256(f"latent-explorer-browser:{token}".encode()).hexdigest()
    return Owner(f"browser:{digest}", "this browser")
