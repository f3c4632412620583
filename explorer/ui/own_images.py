"""The Train tab's "Your images": make a dataset from a zip of your pictures (one folder per
class, or none), see what it became (each class's first pictures as the model will see them,
and the counts, and what was skipped and why), then train on it like any dataset."""

from __future__ import annotations

import numpy as np
import streamlit as st

from explorer import archive, collection, datasets, media
from explorer.ui.imports import ImportBusy, ImportManager

PER_CLASS = 12  # pictures shown per class
MAX_CLASSES = 20  # classes shown


@st.cache_resource
def import_manager() -> ImportManager:
    """One per server process: every session sees the dataset being made."""
    return ImportManager()


def _start() -> None:
    """The form's callback: save the upload and start making the dataset."""
    s = st.session_state
    file = s.get("imp_zip")
    if file is None:
        s.imp_message = "Choose a .zip file of your pictures first."
        return
    try:
        name = s.get("imp_name") or datasets.name_for(file.name)
        import_manager().start(file.getvalue(), file.name, name, s.imp_pre, s.imp_pol)
        s.imp_watch = True
    except (ImportBusy, ValueError) as e:
        s.imp_message = str(e)


def _use(name: str) -> None:
    """Callback: train on `name` (the New run form, with it chosen)."""
    st.session_state.t_data = name
    st.session_state.train_tabs = "New run"


def own_images_panel() -> None:
    st.markdown(
        "Make a dataset of your own pictures: letters, glyphs, icons, your class's "
        "handwriting. Upload a **.zip** of PNG, JPEG, GIF, BMP, WebP or TIFF files, with "
        "**one folder per class** (the folder names become the labels) or none (an "
        "unlabelled set). Each picture becomes a 28x28 one, 90% of each class is kept for "
        "training and 10% for testing, and the dataset can then be chosen in **New run** (and "
        f"from the terminal: `train_cli.py --dataset NAME`). Limits: "
        f"{archive.MAX_ARCHIVE_BYTES >> 20} MB uploaded, {archive.MAX_FILES:,} pictures, "
        f"{archive.MAX_TOTAL_BYTES >> 30} GB uncompressed; at least "
        f"{collection.MIN_IMAGES} pictures and {collection.MIN_PER_CLASS} per class.")
    manager = import_manager()
    job = manager.current
    if job is not None and job.running:
        import_progress()
        return
    with st.form("import_form", border=True):
        st.file_uploader("A .zip of your pictures", type=["zip"], key="imp_zip",
                         max_upload_size=archive.MAX_ARCHIVE_BYTES >> 20)
        c1, c2, c3 = st.columns([2, 3, 3])
        c1.text_input("dataset name", key="imp_name", max_chars=40,
                      placeholder="from the file's name",
                      help="1 to 40 lower-case letters, digits, '-' or '_'")
        c2.radio("preprocessing", list(collection.PREPROCESS), key="imp_pre",
                 format_func={"ink": "ink on paper", "whole": "whole picture"}.get,
                 help="\n\n".join(f"**{k}**: {v}" for k, v in collection.PREPROCESS.items()))
        c3.radio("for the whole picture, what is ink", list(collection.POLARITY),
                 key="imp_pol", help="\n\n".join(f"**{k}**: {v}" for k, v in
                                                 collection.POLARITY.items()))
        st.form_submit_button("Make the dataset", type="primary", on_click=_start)
    if msg := st.session_state.pop("imp_message", None):
        st.error(msg)
    if job is not None and st.session_state.get("imp_watch"):
        result(job.view())
    mine = datasets.custom_names()
    if mine:
        st.subheader("Your datasets")
        name = st.selectbox("dataset", mine, key="imp_show", format_func=datasets.title)
        preview(name)


@st.fragment(run_every=0.5)
def import_progress() -> None:
    job = import_manager().current
    if job is None:
        return
    v = job.view()
    if v.state != "running":
        st.rerun()  # the whole tab: the form comes back, with the result
    words = {"reading": "reading the pictures", "preprocessing": "making each one 28x28",
             "writing": "saving the dataset"}
    frac = v.done / v.total if v.total else 0.0
    st.progress(frac, text=f"**{v.name}** from {v.source}: {words.get(v.phase, v.phase)}, "
                           f"{v.done:,} of {v.total:,}")
    st.button("Stop", key="imp_stop", icon=":material/stop:", on_click=import_manager().stop,
              help="Stop making the dataset; nothing is written")


def result(v) -> None:
    if v.state == "failed":
        st.error(f"**{v.source}** could not be made into a dataset: {v.error}")
    elif v.state == "stopped":
        st.info(f"Stopped: **{v.name}** was not made.")
    elif v.state == "done" and v.manifest is not None:
        m = v.manifest
        st.success(f"**{v.name}** is ready" + (" (the same pictures and settings as before: "
                                                "reused)" if m.get("reused") else "") + ".")
        st.button(f"Train on {v.name}", type="primary", key="imp_use", on_click=_use,
                  args=(v.name,))


def preview(name: str) -> None:
    """Counts, what was skipped, and each class's first training pictures."""
    m = datasets.manifest(name)
    if m is None:
        st.error(f"{name}: no usable manifest; make the dataset again.")
        return
    c = m["counts"]
    made = "ink on paper" if m["preprocess"] == "ink" else f"whole picture ({m['polarity']})"
    st.markdown(f"**{name}**, from `{m['source']}`: **{c['train']:,}** training and "
                f"**{c['test']:,}** test pictures, {len(m['classes'])} "
                f"class{'es' * (len(m['classes']) != 1)}, preprocessed as {made}.")
    skipped = collection.describe_skips(m)
    if skipped:
        with st.expander(f"{sum(m['skipped'].values()):,} files skipped"):
            st.markdown("\n".join(f"- {line}" for line in skipped))
    for cls, pics in zip(m["classes"], _first_pictures(name, m["images_sha256"]),
                         strict=False):
        if len(pics):
            st.image(media.png_data_uri(media.strip(pics, 48)),
                     caption=f"{cls}: {m['counts']['per_class'].get(cls, 0):,} pictures")
    if len(m["classes"]) > MAX_CLASSES:
        st.caption(f"... and {len(m['classes']) - MAX_CLASSES} more classes")
    st.button(f"Train on {name}", key="imp_use_shown", on_click=_use, args=(name,))


@st.cache_data(max_entries=8, show_spinner=False)
def _first_pictures(name: str, sha: str) -> list[np.ndarray]:
    """The first training pictures of each of the first classes, in [0, 1] (cached per
    dataset version: `sha`)."""
    from explorer import data

    split = data.load_split("train", name)
    images, labels = split.images[:, 0].numpy(), split.labels.numpy()
    return [images[labels == k][:PER_CLASS].astype(np.float32) / 255
            for k in range(min(MAX_CLASSES, int(labels.max()) + 1))]
