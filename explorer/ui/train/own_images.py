"""The Train tab's "Your images": make a dataset from a zip of your pictures (one folder per
class, or none), see what it became (each class's first pictures as the model will see them,
and the counts, and what was skipped and why), then train on it like any dataset."""

from __future__ import annotations

import numpy as np
import streamlit as st

from explorer import media
from explorer.datasets import archive, collection, registry
from explorer.server import here
from explorer.server.dataset_imports import ImportBusy
from explorer.server.owners import Owner
from explorer.ui import identity

PER_CLASS = 12  # pictures shown per class
MAX_CLASSES = 20  # classes shown


def _start() -> None:
    """The form's callback: save the upload and start making the visitor's dataset."""
    s = st.session_state
    file = s.get("imp_zip")
    if file is None:
        s.imp_message = "Choose a .zip file of your pictures first."
        return
    try:
        name = s.get("imp_name") or registry.name_for(file.name)
        here.imports().start(identity.owner(), file.getvalue(), file.name, name,
                             s.imp_preprocessing, s.imp_ink_polarity)
        s.imp_watch = True
    except (ImportBusy, ValueError) as e:
        s.imp_message = str(e)


def _use(name: str) -> None:
    """Callback: train on `name` (the New run form, with it chosen)."""
    st.session_state.t_dataset = name
    st.session_state.train_tabs = "New run"


def own_images_panel(who: Owner) -> None:
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
    job = here.imports().current(who)
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
        c2.radio("preprocessing", list(collection.PREPROCESS), key="imp_preprocessing",
                 format_func={"ink": "ink on paper", "whole": "whole picture"}.get,
                 help="\n\n".join(f"**{k}**: {v}" for k, v in collection.PREPROCESS.items()))
        c3.radio("for the whole picture, what is ink", list(collection.POLARITY),
                 key="imp_ink_polarity", help="\n\n".join(f"**{k}**: {v}" for k, v in
                                                 collection.POLARITY.items()))
        st.form_submit_button("Make the dataset", type="primary", on_click=_start)
    if msg := st.session_state.pop("imp_message", None):
        st.error(msg)
    if job is not None and st.session_state.get("imp_watch"):
        result(job.view())
    usable = here.library().datasets(who)
    if usable:
        st.subheader("Your datasets")
        if st.session_state.get("imp_show") not in usable:  # gone, or never theirs
            st.session_state.imp_show = usable[0]
        name = st.selectbox("dataset", usable, key="imp_show", format_func=_title(who))
        preview(name)
        if here.library().dataset_owner(name) == who.tag:
            sharing(name)


def _title(who: Owner):
    """How the dataset picker names a dataset: its name, and whose when not theirs."""
    library = here.library()

    def title(dataset: str) -> str:
        tag = library.dataset_owner(dataset)
        whose = "" if tag == who.tag else " · the server's" if tag is None else " · shared"
        return registry.title(dataset) + whose

    return title


def sharing(dataset: str) -> None:
    library = here.library()
    shared = library.dataset_shared(dataset)
    row = st.container(horizontal=True, vertical_alignment="center")
    row.caption("Shared with everyone (they can train on it and see its pictures)." if shared
                else "Only you see it and train on it.")
    row.button("Unshare" if shared else "Share", key="imp_share", on_click=identity.as_owner,
               args=(library.share_dataset, dataset, not shared),
               kwargs={"message_key": "imp_message"})
    with row.popover("Delete", icon=":material/delete:"):
        st.caption(f"Delete **{registry.display_name(dataset)}** for good? Models trained on "
                   "it keep their weights but can no longer be explored.")
        st.button("Delete", key="imp_delete", type="primary", on_click=identity.as_owner,
                  args=(library.delete_dataset, dataset),
                  kwargs={"message_key": "imp_message"})


@st.fragment(run_every=0.5)
def import_progress() -> None:
    who = identity.owner()
    job = here.imports().current(who) if who is not None else None
    if job is None:
        return
    v = job.view()
    if v.state not in ("waiting", "running"):
        st.rerun()  # the whole tab: the form comes back, with the result
    if v.state == "waiting":
        st.info(f"**{v.name}** from {v.source} waits for another person's dataset to be made "
                "(one at a time) ...", icon=":material/hourglass_top:")
    words = {"reading": "reading the pictures", "preprocessing": "making each one 28x28",
             "writing": "saving the dataset"}
    frac = v.done / v.total if v.total else 0.0
    st.progress(frac, text=f"**{v.name}** from {v.source}: {words.get(v.phase, v.phase)}, "
                           f"{v.done:,} of {v.total:,}")
    st.button("Stop", key="imp_stop", icon=":material/stop:", on_click=here.imports().stop,
              args=(who,), help="Stop making the dataset; nothing is written")


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
                  args=(m["name"],))


def preview(name: str) -> None:
    """Counts, what was skipped, and each class's first training pictures."""
    m = registry.manifest(name)
    if m is None:
        st.error(f"{registry.display_name(name)}: no usable manifest; make the dataset again.")
        return
    c = m["counts"]
    made = "ink on paper" if m["preprocess"] == "ink" else f"whole picture ({m['polarity']})"
    st.markdown(f"**{registry.display_name(name)}**, from `{m['source']}`: "
                f"**{c['train']:,}** training and **{c['test']:,}** test pictures, "
                f"{len(m['classes'])} class{'es' * (len(m['classes']) != 1)}, preprocessed as "
                f"{made}.")
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
    st.button(f"Train on {registry.display_name(name)}", key="imp_use_shown", on_click=_use,
              args=(name,))


@st.cache_data(max_entries=8, show_spinner=False)
def _first_pictures(name: str, sha: str) -> list[np.ndarray]:
    """The first training pictures of each of the first classes, in [0, 1] (cached per
    dataset version: `sha`)."""
    from explorer.datasets import reading

    split = reading.load_split("train", name)
    images, labels = split.images[:, 0].numpy(), split.labels.numpy()
    return [images[labels == k][:PER_CLASS].astype(np.float32) / 255
            for k in range(min(MAX_CLASSES, int(labels.max()) + 1))]
