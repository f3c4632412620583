"""Who is visiting: the owner of the runs, datasets and imports they start.

With Streamlit's login configured (an `[auth]` table in .streamlit/secrets.toml), the
signed-in account; the accounts in LATENT_EXPLORER_ADMINS are admins (a teacher: they see
every run and can stop any). Without login, the browser: an invisible element
(static/identity.js) keeps a random secret in the browser's localStorage and tells Python
once per session; only its hash is ever kept (explorer/server/owners.py).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from explorer.page import web
from explorer.server import owners, settings

_JS = (web.HERE / "identity.js").read_text()
_component = st.components.v2.component("latent_explorer.identity", js=_JS)
TOKEN_KEY = "owner_token"  # where the callback keeps what the page said


def login_configured() -> bool:
    """Whether the server has Streamlit's login set up (then st.user says is_logged_in)."""
    return "is_logged_in" in st.user


def owner() -> owners.Owner | None:
    """The visitor as an owner; None while unknown (not signed in, or the page has not
    said yet: a moment on a first visit)."""
    if login_configured():
        return owners.from_login(dict(st.user), settings.admins())
    return owners.from_browser(st.session_state.get(TOKEN_KEY))


def _remember() -> None:
    value = st.session_state.get("identity") or {}
    token = value.get("token") if hasattr(value, "get") else None
    if owners.from_browser(token) is not None:
        st.session_state[TOKEN_KEY] = token


def identify() -> None:
    """In the sidebar: who is signed in (with Log in / Log out), or the invisible element
    that says which browser this is."""
    if login_configured():
        if st.user.is_logged_in:
            who = owner()
            st.caption(f"Signed in as **{who.shown if who else st.user.get('name', '')}**"
                       + (" (admin)" if who and who.admin else ""))
            st.button("Log out", key="logout", on_click=st.logout)
        else:
            st.button("Log in", key="login", on_click=st.login, type="primary",
                      help="Sign in to train models and make datasets of your pictures; "
                           "they are yours alone until you share them.")
        return
    _component(key="identity", data={"known": TOKEN_KEY in st.session_state},
               on_token_change=_remember)


def need_owner(what: str) -> owners.Owner | None:
    """The visitor, or None with a word on what is missing (log in, or a moment while the
    page says which browser this is)."""
    who = owner()
    if who is None and login_configured():
        st.info(f"Log in (in the sidebar) to {what}: what you make here is yours alone until "
                "you share it.", icon=":material/login:")
    elif who is None:
        st.caption("Recognising this browser ...")
    return who


def as_owner(action: Callable[..., object], *args, message_key: str) -> None:
    """A button's callback: `action(visitor, *args)` on a shared thing (a run, a dataset);
    a refusal because it is someone else's is kept under `message_key` for the tab to say."""
    try:
        action(owner(), *args)
    except owners.NotYours as e:
        st.session_state[message_key] = str(e)
