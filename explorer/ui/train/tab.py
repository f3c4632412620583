"""The Train tab: controls that return a TrainConfig, Start (the run joins the server's
line: explorer/server/line.py), continuing a run, the visitor's own pictures and runs, and
their run's place in line, progress and result (explorer/ui/train/progress.py)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from explorer.datasets import registry
from explorer.server import here
from explorer.server.owners import NotYours, Owner
from explorer.server.store import AlreadyInLine, LineFull
from explorer.ui import identity, models
from explorer.ui.models import ModelEntry
from explorer.ui.train.own_images import own_images_panel
from explorer.ui.train.progress import job_view, live_view, waiting_view
from explorer.ui.train.runs import everyone, your_runs
from explorer.ui.train.timelapse import timelapse_view
from explorer.vae.config import ARCHS, LIKELIHOODS, TrainConfig
from explorer.vae.priors import PRIORS

LRS = [1e-4, 3e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2, 2e-2]


spec = TrainConfig.spec  # each setting's help, choices and limits, as train_cli.py has them


FORM = {"epochs": "t_epochs", "batch_size": "t_batch_size", "lr": "t_lr", "beta": "t_beta",
        "seed": "t_seed", "max_seconds": "t_budget", "arch": "t_arch",
        "likelihood": "t_likelihood", "dataset": "t_dataset", "prior": "t_prior",
        "components": "t_components"}  # field -> widget key


def train_controls(who: Owner) -> None:
    """The form's widgets; their values are read by form_config. The datasets offered are
    the built-in ones and those `who` may use (theirs, the server's, the shared ones)."""
    d = TrainConfig()
    choices = [*registry.BUILTIN, *here.library().datasets(who)]
    if st.session_state.get("t_dataset") not in choices:  # gone, or never theirs
        st.session_state.t_dataset = choices[0]
    defaults = {"t_epochs": 5, "t_batch_size": d.batch_size, "t_lr": d.lr, "t_beta": d.beta,
                "t_seed": d.seed, "t_budget": 120, "t_components": d.components}
    for key, value in defaults.items():  # set once: the widgets then keep their own
        st.session_state.setdefault(key, value)
    c1, c2, c3, c4 = st.columns(4)
    c1.number_input("epochs", spec("epochs")["min"], 200, key="t_epochs",
                    help=spec("epochs")["help"])
    c2.select_slider("batch size", [32, 64, 128, 256, 512], key="t_batch_size",
                     help=spec("batch_size")["help"])
    c3.select_slider("learning rate", LRS, key="t_lr", format_func=lambda v: f"{v:g}",
                     help=spec("lr")["help"])
    c4.slider("beta (KL weight)", spec("beta")["min"], spec("beta")["max"], step=0.1,
              key="t_beta", help=spec("beta")["help"])
    c5, c6, c7, c8 = st.columns(4)
    c5.number_input("seed", spec("seed")["min"], spec("seed")["max"], key="t_seed",
                    help=spec("seed")["help"])
    c6.number_input("time budget (s)", 5, 3600, key="t_budget",
                    help=spec("max_seconds")["help"])
    c7.selectbox("network", spec("arch")["choices"], key="t_arch",
                 help="\n\n".join(f"**{k}**: {v}" for k, v in ARCHS.items()))
    c8.selectbox("likelihood", spec("likelihood")["choices"], key="t_likelihood",
                 help="\n\n".join(f"**{k}**: {v}" for k, v in LIKELIHOODS.items()))
    c9, c10, c11, c12 = st.columns(4)
    c9.selectbox("dataset", choices, key="t_dataset", format_func=registry.title,
                 help=spec("dataset")["help"])
    c10.selectbox("prior p(z)", spec("prior")["choices"], key="t_prior",
                  help="\n\n".join(f"**{k}**: {v}" for k, v in PRIORS.items()))
    c11.number_input("prior components", spec("components")["min"], spec("components")["max"],
                     key="t_components", help=spec("components")["help"])
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


def _start(replace: bool = False) -> None:
    """The form's callback: put the run in line before the page reruns (which then shows
    it; no second rerun)."""
    state = st.session_state
    state.pop("train_offer", None)
    try:
        here.line().submit(identity.owner(), *form_config(state), replace=replace)
    except AlreadyInLine as e:
        state.train_message = str(e)
        if e.job.state == "queued":
            state.train_offer = True  # offer to replace it, keeping its place
    except (LineFull, NotYours, ValueError) as e:
        state.train_message = str(e)


def _continue(entry: ModelEntry) -> None:
    """The continue form's callback: go on with the sidebar's model as a new run of the
    visitor's own (theirs, the server's or a shared one: the copy is theirs)."""
    state = st.session_state
    cfg = TrainConfig(epochs=int(state.continue_epochs),
                      max_seconds=float(state.continue_budget))
    try:
        here.line().submit(identity.owner(), cfg, continue_from=Path(entry.path))
    except (AlreadyInLine, LineFull, NotYours, ValueError) as e:  # CheckpointError: ValueError
        state.train_message = str(e)


def continue_controls(entry: ModelEntry) -> None:
    """Go on with the model chosen in the sidebar: its optimizer, curves and time-lapse
    carry on, and it is saved as a new run of the visitor's (the one it continues is kept)."""
    done = int((models.page_data(entry.path, entry.mtime).meta.get("card") or {})
               .get("metrics", {}).get("epochs_done", 0))
    with st.form("continue_form", border=True):
        st.markdown(f"**Continue {entry.label}**, which has trained {done} epochs: its "
                    "optimizer, curves and time-lapse carry on, and it is saved as a new run "
                    "of yours.")
        c1, c2, c3 = st.columns([1, 1, 1], vertical_alignment="bottom")
        if not done + 1 <= st.session_state.get("continue_epochs", 0) <= done + 500:
            st.session_state.continue_epochs = done + 5  # another model: its own default
        st.session_state.setdefault("continue_budget", 120)
        c1.number_input("to epoch", done + 1, done + 500, key="continue_epochs",
                        help=spec("epochs")["help"] + " (the total to reach)")
        c2.number_input("time budget (s)", 5, 3600, key="continue_budget",
                        help="seconds more of training: " + spec("max_seconds")["help"])
        c3.form_submit_button("Continue training", on_click=_continue, args=(entry,))


def train_panel(entry: ModelEntry) -> None:
    line = here.line()
    st.markdown(
        "Train a new model (on MNIST, Fashion-MNIST or your own pictures), or continue one. "
        "Everyone's runs join one line, first come first served: "
        f"{line.capacity} at a time, on {line.engine.where}. Yours trains in the background: "
        "switch tabs or come back later, pause it and resume it when you like. Only you see "
        "it, and the model it makes is yours until you share it.")
    who = identity.need_owner("train models")
    view = None
    if who is not None:
        view = your_part(who, entry)
        if view is False:  # their run waits or trains: its view is the page
            return
    # the run this session watched is the one to replay; anyone else sees the time-lapse of
    # the model chosen in the sidebar
    saved_path = (view is not None and view.state in ("done", "stopped") and view.path
                  and st.session_state.get("watched_job") == view.id
                  and Path(view.path).is_file())
    path, mtime = ((view.path, Path(view.path).stat().st_mtime) if saved_path
                   else (entry.path, entry.mtime))
    st.subheader("Time-lapse: how the latent map formed")
    if not saved_path:
        st.caption(f"Of the model chosen in the sidebar, **{entry.label}**.")
    timelapse_view(path, mtime)


def your_part(who: Owner, entry: ModelEntry):
    """The forms, and the visitor's own run: False while it waits or trains (its live view
    drawn), else the view of their last one (None if they have none)."""
    line = here.line()
    new, more, mine, saved = st.tabs(["New run", "Continue a run", "Your images", "Your runs"],
                                     key="train_tabs", on_change="rerun")
    with new:
        with st.form("train_form", border=True):
            train_controls(who)
            st.form_submit_button("Start training", type="primary", on_click=_start)
    if more.open:
        with more:
            continue_controls(entry)
    if mine.open:
        with mine:
            own_images_panel(who)
    if saved.open:
        with saved:
            your_runs(who)
    if msg := st.session_state.pop("train_message", None):
        st.error(msg)
    if st.session_state.get("train_offer"):
        st.button("Replace my waiting run with this one (it keeps its place)",
                  key="replace", on_click=_start, args=(True,), icon=":material/swap_horiz:")
    if who.admin:
        everyone(who)
    job = line.latest(who)
    if job is not None and job.active:
        st.session_state.watched_job = job.id
        if job.state == "queued":
            waiting_view(job.id, line.schedule().get(job.id, (1, None))[0])
        else:
            live_view(job.id)
        return False
    view = line.view(who, job.id) if job is not None else None
    if view is not None:
        job_view(view)
    return view
