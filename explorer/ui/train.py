"""The Train tab: controls that return a TrainConfig, Start/Stop, and a fragment that polls
the shared job twice a second to draw progress, loss curves and the forming latent map."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from explorer import datasets, media, paths
from explorer.config import ARCHS, LIKELIHOODS, TrainConfig
from explorer.priors import PRIORS
from explorer.ui import models, plots
from explorer.ui.jobs import JobBusy, JobManager, JobView
from explorer.ui.models import ModelEntry
from explorer.ui.own_images import own_images_panel
from explorer.ui.sidebar import select_model
from explorer.ui.timelapse import timelapse_view

LRS = [1e-4, 3e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2, 2e-2]


@st.cache_resource
def job_manager() -> JobManager:
    """One per server process: every session and tab sees the same job."""
    return JobManager(paths.runs_dir())


spec = TrainConfig.spec  # each setting's help, choices and limits, as train_cli.py has them


FORM = {"epochs": "t_epochs", "batch_size": "t_bs", "lr": "t_lr", "beta": "t_beta",
        "seed": "t_seed", "max_seconds": "t_budget", "arch": "t_arch", "likelihood": "t_lik",
        "dataset": "t_data", "prior": "t_prior", "components": "t_k"}  # field -> widget key


def train_controls() -> None:
    """The form's widgets; their values are read by form_config."""
    d = TrainConfig()
    c1, c2, c3, c4 = st.columns(4)
    c1.number_input("epochs", spec("epochs")["min"], 200, 5, key="t_epochs",
                    help=spec("epochs")["help"])
    c2.select_slider("batch size", [32, 64, 128, 256, 512], d.batch_size, key="t_bs",
                     help=spec("batch_size")["help"])
    c3.select_slider("learning rate", LRS, d.lr, key="t_lr", format_func=lambda v: f"{v:g}",
                     help=spec("lr")["help"])
    c4.slider("beta (KL weight)", spec("beta")["min"], spec("beta")["max"], d.beta, 0.1,
              key="t_beta", help=spec("beta")["help"])
    c5, c6, c7, c8 = st.columns(4)
    c5.number_input("seed", spec("seed")["min"], spec("seed")["max"], d.seed, key="t_seed",
                    help=spec("seed")["help"])
    c6.number_input("time budget (s)", 5, 3600, 120, key="t_budget",
                    help=spec("max_seconds")["help"])
    c7.selectbox("network", spec("arch")["choices"], key="t_arch",
                 help="\n\n".join(f"**{k}**: {v}" for k, v in ARCHS.items()))
    c8.selectbox("likelihood", spec("likelihood")["choices"], key="t_lik",
                 help="\n\n".join(f"**{k}**: {v}" for k, v in LIKELIHOODS.items()))
    c9, c10, c11, c12 = st.columns(4)
    c9.selectbox("dataset", spec("dataset")["choices"], key="t_data",
                 format_func=datasets.title, help=spec("dataset")["help"])
    c10.selectbox("prior p(z)", spec("prior")["choices"], key="t_prior",
                  help="\n\n".join(f"**{k}**: {v}" for k, v in PRIORS.items()))
    c11.number_input("prior components", spec("components")["min"], spec("components")["max"],
                     d.components, key="t_k", help=spec("components")["help"])
    c12.text_input("run name (optional)", key="t_name", max_chars=64,
                   placeholder="e.g. beta4-seed1")
    with st.expander("What the choices mean"):
        st.markdown("\n".join(f"- **{k}**: {v}" for k, v in
                               {**ARCHS, **LIKELIHOODS, **PRIORS}.items()))


def form_config(state) -> tuple[TrainConfig, str]:
    """The form's values (in session state) as the same TrainConfig the CLI builds, and the
    run name."""
    cast = {f: type(TrainConfig.spec(f)["default"]) for f in FORM}
    return (TrainConfig(**{f: cast[f](state[key]) for f, key in FORM.items()}),
            state.get("t_name") or "")


def _start() -> None:
    """The form's callback: start the run before the page reruns (which then shows it; no
    second rerun)."""
    try:
        job_manager().start(*form_config(st.session_state))
    except (JobBusy, ValueError) as e:
        st.session_state.train_message = str(e)


def _continue(entry: ModelEntry) -> None:
    """The continue form's callback: go on with the sidebar's model as a new run."""
    state = st.session_state
    cfg = TrainConfig(epochs=int(state.c_epochs), max_seconds=float(state.c_budget))
    try:
        job_manager().start(cfg, f"{Path(entry.path).stem}-continued", Path(entry.path))
    except (JobBusy, ValueError) as e:  # CheckpointError is a ValueError
        state.train_message = str(e)


def continue_controls(entry: ModelEntry, running: bool) -> None:
    """Go on with the model chosen in the sidebar: its optimizer, curves and time-lapse
    carry on, and it is saved as a new run (the one it continues is kept)."""
    done = int((models.page_data(entry.path, entry.mtime).meta.get("card") or {})
               .get("metrics", {}).get("epochs_done", 0))
    with st.form("continue_form", border=True):
        st.markdown(f"**Continue {entry.label}**, which has trained {done} epochs: its "
                    "optimizer, curves and time-lapse carry on, and it is saved as a new run.")
        c1, c2, c3 = st.columns([1, 1, 1], vertical_alignment="bottom")
        c1.number_input("to epoch", done + 1, done + 500, done + 5, key="c_epochs",
                        help=spec("epochs")["help"] + " (the total to reach)")
        c2.number_input("time budget (s)", 5, 3600, 120, key="c_budget",
                        help="seconds more of training: " + spec("max_seconds")["help"])
        c3.form_submit_button("Continue training", disabled=running, on_click=_continue,
                              args=(entry,))


def train_panel(entry: ModelEntry) -> None:
    st.markdown("Train a new model from scratch on this machine (on MNIST, Fashion-MNIST or "
                "your own pictures), or continue one. It runs in the background: switch tabs, "
                "or come back later, the run goes on; pause it and resume it when you like. "
                "One run at a time.")
    manager = job_manager()
    job = manager.current
    running = job is not None and job.running
    new, more, mine = st.tabs(["New run", "Continue a run", "Your images"], key="train_tabs",
                              on_change="rerun")
    with new:
        with st.form("train_form", border=True):
            train_controls()
            st.form_submit_button("Start training", type="primary", disabled=running,
                                  on_click=_start)
    if more.open:
        with more:
            continue_controls(entry, running)
    if mine.open:
        with mine:
            own_images_panel()
    if msg := st.session_state.pop("train_message", None):
        st.error(msg)
    if running:
        st.session_state.watched_job = id(job)
        live_view()
        return
    view = job.view() if job is not None else None
    if view is not None:
        job_view(view)
    watch_for_runs(id(job))
    # a run this session watched is the one to replay; anyone else (a new session, another
    # person) sees the time-lapse of the model chosen in the sidebar
    saved = (view is not None and view.state in ("done", "stopped")
             and st.session_state.get("watched_job") == id(job)
             and Path(view.path).is_file())
    path, mtime = ((view.path, Path(view.path).stat().st_mtime) if saved
                   else (entry.path, entry.mtime))
    st.subheader("Time-lapse: how the latent map formed")
    if not saved:
        st.caption(f"Of the model chosen in the sidebar, **{entry.label}**.")
    timelapse_view(path, mtime)


@st.fragment(run_every=2.0)
def watch_for_runs(shown: int) -> None:
    """While idle, notice a run started elsewhere (another tab or person) and show it."""
    job = job_manager().current
    if job is not None and job.running and id(job) != shown:
        st.rerun()


@st.fragment(run_every=0.5)
def live_view() -> None:
    job = job_manager().current
    if job is None:
        return
    v = job.view()
    if not job.running:
        st.rerun()  # the whole page: the form comes back, the model list grows
    row = st.container(horizontal=True)
    paused = job.pause_event.is_set()
    if row.button("Resume" if paused else "Pause", key="pause", icon=(
            ":material/play_arrow:" if paused else ":material/pause:"),
            help="Hold the run between two steps; its time budget waits too."):
        job_manager().pause(not paused)
        st.rerun(scope="fragment")
    if row.button("Stop", key="stop", type="secondary", icon=":material/stop:",
                  help="Stop after this step and save the model as it is"):
        job_manager().stop()
        st.toast("Stopping after this step ...")
    job_view(v)


@st.cache_resource(max_entries=4, show_spinner=False)
def _charts(path: str, version: int, _v: JobView) -> tuple:
    """The view's charts and pictures, made once per job version for every session that
    watches it (a class watching one run costs one figure per poll, not one each)."""
    loss = plots.loss_figure(_v.steps, _v.epochs) if _v.last is not None else None
    scatter = strips = None
    if _v.snapshot is not None and _v.labels is not None:
        scatter = plots.latent_scatter(_v.snapshot, _v.labels[: len(_v.snapshot)],
                                       datasets.classes(_v.cfg.dataset), height=380, lim=None,
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


def job_view(v: JobView) -> None:
    if v.state == "failed":
        st.error(f"Run **{v.name}** failed: {v.error}\n\nNo model was saved; every "
                 "saved model is unchanged.")
    elif v.state in ("done", "stopped"):
        st.success(f"Run **{v.name}** {'finished' if v.state == 'done' else 'was stopped'} "
                   f"and was saved as `{v.path}`.")
        st.button("Explore this model", type="primary", key="explore_new",
                  on_click=select_model, args=(v.path,))
    else:
        _progress(v)
    loss, scatter, strips = _charts(v.path, v.version, v)
    if v.last is not None:
        m1, m2, m3, m4 = st.columns(4)
        m1.metric("loss (nats)", f"{v.last.loss:.1f}")
        m2.metric("reconstruction", f"{v.last.recon:.1f}")
        m3.metric("KL", f"{v.last.kl:.2f}")
        m4.metric("test ELBO", f"{v.epochs['test_elbo'][-1]:.1f}" if v.epochs["test_elbo"]
                  else "-")
        st.plotly_chart(loss, key="loss_chart", config={"displayModeBar": False})
    if scatter is not None:
        a, b = st.columns([3, 2])
        with a:
            st.plotly_chart(scatter, key="train_scatter", config={"displayModeBar": False})
            st.caption(f"1,000 test digits encoded after epoch {len(v.epochs['epoch'])}")
        with b:
            if strips is not None:
                for strip in strips:
                    st.image(strip)
                st.caption("Decoded at 8 fixed points of the plane, after each epoch")
    if v.state in ("done", "stopped"):
        with st.expander("Metrics card"):
            st.json({"config": v.cfg.to_dict(), **v.summary})
