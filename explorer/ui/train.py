"""The Train tab: controls that return a TrainConfig, Start/Stop, and a fragment that polls
the shared job twice a second to draw progress, loss curves and the forming latent map."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from explorer import media, paths
from explorer.config import ARCHS, LIKELIHOODS, TrainConfig
from explorer.data import DATASETS
from explorer.ui import plots
from explorer.ui.jobs import JobBusy, JobManager
from explorer.ui.models import ModelEntry
from explorer.ui.timelapse import timelapse_view

LRS = [1e-4, 3e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2, 2e-2]


@st.cache_resource
def job_manager() -> JobManager:
    """One per server process: every session and tab sees the same job."""
    return JobManager(paths.runs_dir())


def train_controls() -> tuple[TrainConfig, str]:
    """The form's values as the same TrainConfig the CLI builds, plus a run name."""
    d = TrainConfig()
    c1, c2, c3, c4 = st.columns(4)
    epochs = c1.number_input("epochs", 1, 200, 5, key="t_epochs")
    batch = c2.select_slider("batch size", [32, 64, 128, 256, 512], d.batch_size, key="t_bs")
    lr = c3.select_slider("learning rate", LRS, d.lr, key="t_lr", format_func=lambda v: f"{v:g}")
    beta = c4.slider("beta (KL weight)", 0.0, 10.0, d.beta, 0.1, key="t_beta",
                     help="1 = the true ELBO. Smaller: sharper digits, gaps in the plane. "
                          "Larger: a smoother plane, blurrier digits; too large and the "
                          "latent space collapses onto the prior (KL near 0).")
    c5, c6, c7, c8 = st.columns(4)
    seed = c5.number_input("seed", 0, 2**31 - 1, d.seed, key="t_seed")
    budget = c6.number_input("time budget (s)", 5, 3600, 120, key="t_budget",
                             help="The run stops after this long; the learning-rate schedule "
                                  "is fitted to whichever ends first.")
    arch = c7.selectbox("network", list(ARCHS), key="t_arch", help="\n\n".join(
        f"**{k}**: {v}" for k, v in ARCHS.items()))
    likelihood = c8.selectbox("likelihood", list(LIKELIHOODS), key="t_lik", help="\n\n".join(
        f"**{k}**: {v}" for k, v in LIKELIHOODS.items()))
    c9, c10 = st.columns([1, 3])
    dataset = c9.selectbox("dataset", list(DATASETS), key="t_data",
                           format_func=lambda k: DATASETS[k].name)
    name = c10.text_input("run name (optional)", key="t_name", max_chars=64,
                          placeholder="e.g. beta4-seed1")
    with st.expander("What the choices mean"):
        st.markdown("\n".join(f"- **{k}**: {v}" for k, v in {**ARCHS, **LIKELIHOODS}.items()))
    cfg = TrainConfig(epochs=int(epochs), batch_size=int(batch), lr=float(lr), beta=float(beta),
                      seed=int(seed), max_seconds=float(budget), arch=arch,
                      likelihood=likelihood, dataset=dataset)
    return cfg, name


def _start(cfg: TrainConfig, name: str) -> None:
    try:
        job_manager().start(cfg, name)
    except (JobBusy, ValueError) as e:
        st.session_state.train_message = str(e)


def train_panel(select_model, entry: ModelEntry) -> None:
    st.markdown("Train a new model from scratch on this machine. It runs in the background: "
                "switch tabs, or come back later, the run goes on. One run at a time.")
    manager = job_manager()
    job = manager.current
    running = job is not None and job.running
    with st.form("train_form", border=True):
        cfg, name = train_controls()
        started = st.form_submit_button("Start training", type="primary", disabled=running)
    if started:
        _start(cfg, name)
        st.rerun()
    if msg := st.session_state.pop("train_message", None):
        st.error(msg)
    if running:
        st.session_state.watched_job = id(job)
        live_view(select_model)
        return
    view = job.view() if job is not None else None
    if view is not None:
        job_view(view, select_model)
    watch_for_runs(id(job))
    # a run this session watched is the one to replay; anyone else (a new session, another
    # person) sees the time-lapse of the model chosen in the sidebar
    saved = (view is not None and view["state"] in ("done", "stopped")
             and st.session_state.get("watched_job") == id(job)
             and Path(view["path"]).is_file())
    path, mtime = ((view["path"], Path(view["path"]).stat().st_mtime) if saved
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
def live_view(select_model) -> None:
    job = job_manager().current
    if job is None:
        return
    v = job.view()
    if not job.running:
        st.rerun()  # the whole page: the form comes back, the model list grows
    if st.button("Stop", key="stop", type="secondary"):
        job_manager().stop()
        st.toast("Stopping after this step ...")
    job_view(v, select_model)


def _progress(v: dict) -> None:
    last, cfg = v["last"], v["cfg"]
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


def job_view(v: dict, select_model) -> None:
    state, last = v["state"], v["last"]
    if state == "failed":
        st.error(f"Run **{v['name']}** failed: {v['error']}\n\nNo model was saved; every "
                 "saved model is unchanged.")
    elif state in ("done", "stopped"):
        st.success(f"Run **{v['name']}** {'finished' if state == 'done' else 'was stopped'} "
                   f"and was saved as `{v['path']}`.")
        st.button("Explore this model", type="primary", key="explore_new",
                  on_click=select_model, args=(v["path"],))
    else:
        _progress(v)
    if last is not None:
        m1, m2, m3, m4 = st.columns(4)
        m1.metric("loss (nats)", f"{last.loss:.1f}")
        m2.metric("reconstruction", f"{last.recon:.1f}")
        m3.metric("KL", f"{last.kl:.2f}")
        ep = v["epochs"]
        m4.metric("test ELBO", f"{ep['test_elbo'][-1]:.1f}" if ep["test_elbo"] else "-")
        st.plotly_chart(plots.loss_figure(v["steps"], v["epochs"]), key="loss_chart",
                        config={"displayModeBar": False})
    if v["snapshot"] is not None:
        a, b = st.columns([3, 2])
        with a:
            labels = v["labels"][: len(v["snapshot"])]
            classes = DATASETS[v["cfg"].dataset].classes
            fig = plots.latent_scatter(v["snapshot"], labels, classes, height=380, lim=None,
                                       point_size=5)
            st.plotly_chart(fig, key="train_scatter", config={"displayModeBar": False})
            st.caption(f"1,000 test digits encoded after epoch {len(v['epochs']['epoch'])}")
        with b:
            if v["samples"] is not None:
                st.image(media.png_data_uri(media.strip(v["samples"][:4], 72)))
                st.image(media.png_data_uri(media.strip(v["samples"][4:], 72)))
                st.caption("Decoded at 8 fixed points of the plane, after each epoch")
    if state in ("done", "stopped"):
        with st.expander("Metrics card"):
            st.json({"config": v["cfg"].to_dict(), **v["summary"]})
