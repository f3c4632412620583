"""The Train tab's "Your runs": the visitor's saved runs, each to explore, share with
everyone (read-only: they can explore it, compare with it and continue it as their own
copy), unshare or delete; and for an admin, everyone's runs in line or training, each to
stop. Every action names a run the visitor owns (explorer/server/library.py checks)."""

from __future__ import annotations

import time

import streamlit as st

from explorer.server import here
from explorer.server.owners import NotYours, Owner
from explorer.ui import identity
from explorer.ui.sidebar import select_model


def _act(action: str, path: str) -> None:
    who, library = identity.owner(), here.library()
    try:
        if action == "share":
            library.share(who, path, True)
        elif action == "unshare":
            library.share(who, path, False)
        elif action == "delete":
            library.delete(who, path)
            if st.session_state.get("model_path") == path:
                st.session_state.pop("model_path")
    except NotYours as e:
        st.session_state.runs_message = str(e)


def your_runs(who: Owner) -> None:
    mine = [r for r in here.library().runs(who) if r.mine]
    if msg := st.session_state.pop("runs_message", None):
        st.error(msg)
    if not mine:
        st.caption("Your runs appear here once saved: to explore, to share with everyone "
                   "(read-only) or to delete.")
        return
    st.caption("Only you see these, unless you share one: then everyone can explore it, "
               "compare with it and continue it as their own copy (its test pictures are "
               "shown with it). Unshare it any time.")
    for k, run in enumerate(mine):
        path = str(run.path)
        row = st.container(horizontal=True, vertical_alignment="center")
        when = time.strftime("%d %b %H:%M", time.localtime(run.path.stat().st_mtime))
        row.markdown(f"**{run.path.stem}** · saved {when}"
                     + (" · :blue-badge[shared]" if run.shared else ""))
        row.button("Explore", key=f"run_explore_{k}", on_click=select_model, args=(path,))
        if run.shared:
            row.button("Unshare", key=f"run_unshare_{k}", on_click=_act, args=("unshare", path))
        else:
            row.button("Share", key=f"run_share_{k}", on_click=_act, args=("share", path),
                       help="Everyone on this server can then explore it and continue it as "
                            "their own copy; it stays yours")
        with row.popover("Delete", icon=":material/delete:"):
            st.caption(f"Delete **{run.path.stem}** for good?")
            st.button("Delete", key=f"run_delete_{k}", type="primary", on_click=_act,
                      args=("delete", path))


def _stop(job_id: str) -> None:
    here.line().stop(identity.owner(), job_id)


def everyone(who: Owner) -> None:
    """An admin's view of the line: every run waiting or training, each to stop."""
    jobs = here.line().everyone(who)
    with st.expander(f"Everyone's runs (admin): {len(jobs)} in line or training"):
        if not jobs:
            st.caption("Nobody is training.")
        for job in jobs:
            row = st.container(horizontal=True, vertical_alignment="center")
            owner = job.owner.removeprefix("user:") if job.owner.startswith("user:") \
                else "a browser"
            row.markdown(f"**{job.name}** · {owner} · {job.state}"
                         + (f", {job.trained:.0f} s trained" if job.trained else ""))
            row.button("Stop", key=f"admin_stop_{job.id}", on_click=_stop, args=(job.id,),
                       icon=":material/stop:")
        st.caption(f"Runs train on {here.line().engine.where}.")
