"""What the Train tab shows of the visitor's own run: its place in line and when it should
start, then its progress, loss curves and forming latent map as it trains (polled twice a
second), then how it ended. Only its owner sees it (explorer/server/line.py checks)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from explorer import media
from explorer.datasets import registry
from explorer.server import here
from explorer.server.live import JobView
from explorer.server.owners import NotYours
from explorer.ui import identity, plots
from explorer.ui.sidebar import select_model

ACTIVE = ("queued", "running", "paused")


def duration(seconds: float | None) -> str:
    """An estimate for people: 'about 5 s', 'about 40 s', 'about 3 min 20 s', 'about 25 min'."""
    if seconds is None:
        return "a moment"
    if seconds < 60:
        return f"about {max(1, round(seconds) if seconds < 10 else round(seconds / 5) * 5)} s"
    if seconds < 600:
        minutes, rest = divmod(round(seconds / 10) * 10, 60)
        return f"about {minutes} min" + (f" {rest} s" if rest else "")
    return f"about {round(seconds / 60)} min" if seconds < 5400 else \
        f"about {seconds / 3600:.1f} h"


def _pause(job_id: str, paused: bool) -> None:
    here.line().pause(identity.owner(), job_id, paused)


def _stop(job_id: str) -> None:
    here.line().stop(identity.owner(), job_id)
    st.toast("Stopping after this step ...")


def _view(job_id: str) -> JobView | None:
    try:
        return here.line().view(identity.owner(), job_id)
    except NotYours:
        return None


NEXT_S, LATER_S = 1.0, 5.0  # how often a waiting page looks: next in line, further back


def _waiting(job_id: str, is_next: bool) -> None:
    v = _view(job_id)
    if v is None:
        return
    if v.state != "queued" or (not is_next and (v.place or 1) <= here.line().capacity):
        st.rerun()  # it started, or it is next: the page that watches it more closely
    waiting(v)


@st.fragment(run_every=NEXT_S)
def _waiting_next(job_id: str) -> None:
    _waiting(job_id, True)


@st.fragment(run_every=LATER_S)
def _waiting_later(job_id: str) -> None:
    _waiting(job_id, False)


def waiting_view(job_id: str, place: int) -> None:
    """The visitor's run while it waits: its place and when it should start, looked at every
    5 s while runs are ahead of it (a class of 30 waiting costs the server little) and every
    second once it is next; the page reruns when it starts."""
    (_waiting_next if place <= here.line().capacity else _waiting_later)(job_id)


@st.fragment(run_every=0.5)
def live_view(job_id: str) -> None:
    """The visitor's run while it trains; the whole page reruns when it ends."""
    v = _view(job_id)
    if v is None:
        return
    if v.state not in ("running", "paused"):
        st.rerun()  # the whole page: the result, the model list grows
    row = st.container(horizontal=True)
    paused = v.state == "paused"
    row.button("Resume" if paused else "Pause", key="pause", on_click=_pause,
               args=(job_id, not paused),
               icon=":material/play_arrow:" if paused else ":material/pause:",
               help="Hold the run between two steps; its time budget waits too.")
    row.button("Stop", key="stop", on_click=_stop, args=(job_id,), icon=":material/stop:",
               help="Stop after this step and save the model as it is")
    job_view(v)


def waiting(v: JobView) -> None:
    line = here.line()
    ahead = "the next to start" if v.place == 1 else f"{v.place - 1} runs ahead of it"
    places = "the place" if line.capacity == 1 else f"one of the {line.capacity} places"
    st.info(f"Your run **{v.name}** is waiting in line: **place {v.place}** ({ahead}). It "
            f"should start in **{duration(v.starts_in)}**, when {places} to train "
            "frees up (estimated from the time budgets of the runs ahead).",
            icon=":material/hourglass_top:")
    st.button("Leave the line", key="leave", on_click=identity.as_owner,
              args=(line.leave, v.id), kwargs={"message_key": "train_message"},
              icon=":material/logout:", help="Take your run out of the line; nothing is saved")


@st.cache_resource(max_entries=8, show_spinner=False)
def _charts(job_id: str, version: int, _v: JobView) -> tuple:
    """The view's charts and pictures, made once per job version."""
    loss = plots.loss_figure(_v.steps, _v.epochs) if _v.steps["step"] else None
    scatter = strips = None
    if _v.snapshot is not None and _v.labels is not None:
        scatter = plots.latent_scatter(_v.snapshot, _v.labels[: len(_v.snapshot)],
                                       registry.classes(_v.cfg.dataset), height=380, lim=None,
                                       point_size=5)
    if _v.samples is not None:
        strips = [media.png_data_uri(media.strip(half, 72))
                  for half in (_v.samples[:4], _v.samples[4:])]
    return loss, scatter, strips


def _progress(v: JobView) -> None:
    last, cfg = v.last, v.cfg
    if v.state == "paused":
        st.info("Paused: press Resume to go on (the time budget is waiting too).",
                icon=":material/pause:")
    if last is None:
        st.progress(0.0, text="Starting: loading data and building the model ...")
        return
    by_steps = last.step / last.total_steps
    by_time = last.elapsed / cfg.max_seconds if cfg.max_seconds else 0.0
    frac = min(1.0, max(by_steps, by_time))
    eta = (last.elapsed / frac - last.elapsed) if frac > 0 else float("nan")
    st.progress(frac, text=f"epoch {last.epoch}/{cfg.epochs} · step {last.step}/"
                           f"{last.total_steps} · {last.images_per_sec:,.0f} images/s · "
                           f"{last.elapsed:.0f} s elapsed, about {eta:.0f} s left")


def ended(v: JobView) -> None:
    """How the visitor's last run ended, by its name."""
    if v.state == "failed":
        st.error(f"Run **{v.name}** failed: {v.error}\n\nNo model was saved; every saved "
                 "model is unchanged.")
    elif v.state == "left":
        st.caption(f"You took run **{v.name}** out of the line"
                   + (f" ({v.note})." if v.note else "."))
    elif v.path:
        st.success(f"Run **{v.name}** {'finished' if v.state == 'done' else 'was stopped'} "
                   "and was saved: it is in the model list as "
                   f"**{Path(v.path).stem} (yours)**."
                   + (f" {v.note}" if v.note else ""))
        st.button("Explore this model", type="primary", key="explore_new",
                  on_click=select_model, args=(v.path,))
    else:
        st.info(f"Run **{v.name}**: {v.note or v.state}")


def job_view(v: JobView) -> None:
    if v.state in ACTIVE:
        _progress(v)
    else:
        ended(v)
    loss, scatter, strips = _charts(v.id, v.version, v)
    if v.last is not None:
        m1, m2, m3, m4 = st.columns(4)
        m1.metric("loss (nats)", f"{v.last.loss:.1f}")
        m2.metric("reconstruction", f"{v.last.recon:.1f}")
        m3.metric("KL", f"{v.last.kl:.2f}")
        m4.metric("test ELBO", f"{v.epochs['test_elbo'][-1]:.1f}" if v.epochs["test_elbo"]
                  else "-")
    if loss is not None:
        st.plotly_chart(loss, key="loss_chart", config={"displayModeBar": False})
    if scatter is not None:
        a, b = st.columns([3, 2])
        with a:
            st.plotly_chart(scatter, key="train_scatter", config={"displayModeBar": False})
            st.caption(f"1,000 test {registry.noun(v.cfg.dataset)}s encoded after epoch "
                       f"{len(v.epochs['epoch'])}")
        with b:
            if strips is not None:
                for strip in strips:
                    st.image(strip)
                st.caption("Decoded at 8 fixed points of the plane, after each epoch")
    if v.state in ("done", "stopped"):
        with st.expander("Metrics card"):
            st.json({"config": v.cfg.to_dict(), **v.summary})
