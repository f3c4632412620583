"""The How it works tab: one digit through the model with live numbers (the encoder's mean
and spread, the noise drawn, z, what the decoder draws, the ELBO taken apart pixel by pixel
and in closed form), then the prior against where the encoder actually puts the digits."""

from __future__ import annotations

import numpy as np
import streamlit as st
from PIL import Image

from explorer import media
from explorer.plane import latent, walkthrough
from explorer.ui import models, plots
from explorer.ui.how.view import how_view
from explorer.ui.markers import plot_markers
from explorer.ui.models import ModelEntry

SOURCES = {"test": "test digit", "drawing": "your drawing"}
HEAT = np.array([[255, 255, 255], [242, 142, 43], [225, 87, 89], [89, 0, 0]], np.float32)
HEAT_TOP = 4.0  # nats: a pixel this costly or more is drawn in the palette's last colour
BETA_NOTE = ("A larger β pulls q(z|x) towards the prior (a smoother plane, blurrier digits); "
             "a smaller one lets the encoder spread the digits apart.")
# what the page's walk (explorer/page/web/walk.js) says and draws as this tab's Python does
PAGE_SHOW = {"heat": HEAT.tolist(), "heat_top": HEAT_TOP,
             "kl_samples": walkthrough.KL_SAMPLES, "beta_note": BETA_NOTE}


def heat(nats: np.ndarray, top: float, px: int = 140) -> str:
    """Nats per pixel as a picture: white (0) through orange and red to dark (>= top)."""
    t = np.clip(nats / max(top, 1e-6), 0, 1) * (len(HEAT) - 1)
    i = np.minimum(t.astype(int), len(HEAT) - 2)
    rgb = HEAT[i] + (HEAT[i + 1] - HEAT[i]) * (t - i)[..., None]
    img = Image.fromarray(rgb.astype(np.uint8), "RGB").resize((px, px), Image.Resampling.NEAREST)
    return media.png_data_uri(img)


def _init() -> None:
    s = st.session_state
    s.setdefault("how_src", "test")
    s.setdefault("how_idx", int(s.get("selected") or 0))
    s.setdefault("how_seed", 0)
    s.setdefault("how_beta", 1.0)


def _from_explore() -> None:
    if st.session_state.get("selected") is not None:
        st.session_state.how_idx = int(st.session_state.selected)
        st.session_state.how_src = "test"


def _store(choice: dict) -> None:
    """What the page chose, kept for the next time the tab opens."""
    s = st.session_state
    s.how_src, s.how_idx, s.how_seed, s.how_beta = (choice[k] for k in
                                                    ("src", "index", "seed", "beta"))


def how_panel(entry: ModelEntry) -> None:
    model, _ = models.load(entry.path, entry.mtime)
    page = models.page_data(entry.path, entry.mtime)
    _init()
    st.markdown("Follow one digit through the model. The **encoder** turns it into a Gaussian "
                "q(z|x) on the plane (a mean **μ** and a spread **σ**); training draws one z "
                "from it by adding noise, **z = μ + σ·ε**, so that gradients flow through μ "
                "and σ; the **decoder** turns z back into a picture. The loss is the ELBO, "
                "taken apart below: how well the picture is redrawn, and how far q(z|x) is "
                "from the prior p(z).")
    if page.decoder_error is None:
        walk_in_page(page)
    else:
        st.info(f"This model's network cannot run in the page ({page.decoder_error}), so "
                "each change below waits for the server.")
        walk_on_server(entry, model)
    st.divider()
    prior_panel(entry, model)


@st.fragment
def walk_in_page(page) -> None:
    """The page answers every input; a change it reports reruns this fragment alone."""
    s = st.session_state
    how_view(page, {"src": s.how_src, "index": s.how_idx, "seed": s.how_seed,
                    "beta": s.how_beta},
             selected=s.get("selected"), drawing=s.get("your_digit"), show=PAGE_SHOW,
             key="how", on_choice=_store)


def walk_on_server(entry: ModelEntry, model) -> None:
    """The same walk drawn by Python, for a network the page cannot run."""
    enc = models.encoded_test_set(entry.path, entry.mtime)
    left, right = st.columns([3, 2], gap="large")
    with right:
        st.plotly_chart(models.test_scatter(entry.path, entry.mtime, height=440, opacity=0.3),
                        key="how_scatter", config={"displaylogo": False, "displayModeBar": False})
        st.caption("The test digits; q(z|x) of the digit on the left as its 1- and 2-sigma "
                   "ellipses and 200 draws; the cross is z, the dot μ.")
    with left:
        walk_panel(entry, model, enc)


def _picture(model, enc: models.Encoded) -> tuple[np.ndarray, str] | None:
    """The digit chosen (28, 28) in [0, 1] and its name, or None (with a message)."""
    s = st.session_state
    c1, c2, c3 = st.columns([3, 2, 2], vertical_alignment="bottom")
    c1.radio("digit", list(SOURCES), key="how_src", horizontal=True,
             format_func=SOURCES.get)
    if s.how_src == "drawing":
        x = s.get("your_digit")
        if x is None:
            st.info("Draw or upload a digit on the **Draw or upload** tab first.")
            return None
        return np.asarray(x, np.float32), "your drawing"
    i = c2.number_input("test digit #", 0, len(enc.mu) - 1, key="how_idx")
    c3.button("from Explore", key="how_from_explore", on_click=_from_explore,
              disabled=s.get("selected") is None, width="stretch",
              help="The test digit clicked on the Explore tab")
    label = enc.classes[int(enc.labels[i])]
    return models.test_images(model.cfg.dataset)[i], f"test digit #{i} ({label})"


@st.fragment
def walk_panel(entry: ModelEntry, model, enc: models.Encoded) -> None:
    """Reruns alone when the digit changes (the scatter is not sent again: what moves on
    it are markers); what depends on the noise is a fragment of its own, below."""
    chosen = _picture(model, enc)
    if chosen is None:
        plot_markers([], key="how_markers")
        return
    picture, name = chosen
    walk = walkthrough.walk(model, picture, np.zeros(2))  # what depends on the digit alone
    seen = "binarized at 0.5" if model.cfg.likelihood == "bernoulli" else "grey"
    a, b, _ = st.columns([1, 1, 2])
    a.image(media.png_data_uri(media.picture(walk.x, 112)), width=112,
            caption=f"{name}, as the model sees it ({seen})")
    b.image(media.png_data_uri(media.picture(walk.decoded_mu, 112)), width=112,
            caption="decoded at μ, the encoder's mean")
    st.latex(rf"q(z|x) = \mathcal{{N}}(\mu, \sigma^2):\quad \mu = ({walk.mu[0]:.2f},\ "
             rf"{walk.mu[1]:.2f}),\quad \sigma = ({walk.sigma[0]:.3f},\ {walk.sigma[1]:.3f})")
    kl_formula(walk, model)
    noise_panel(model, picture)


@st.fragment
def noise_panel(model, picture: np.ndarray) -> None:
    """What a draw of the noise changes: z, the picture decoded there, the reconstruction
    term (pixel by pixel), and the markers on the scatter."""
    s = st.session_state
    if st.button("Draw ε again", icon=":material/casino:", key="how_draw",
                 help="A new draw of the noise ε ~ N(0, I): a new z from the same q(z|x)"):
        s.how_seed += 1
    walk = walkthrough.walk(model, picture, walkthrough.draw_eps(s.how_seed))
    st.latex(rf"\varepsilon = ({walk.eps[0]:.2f},\ {walk.eps[1]:.2f}),\quad z = \mu + \sigma "
             rf"\odot \varepsilon = ({walk.z[0]:.3f},\ {walk.z[1]:.3f})")
    a, b, _ = st.columns([1, 1, 2])
    a.image(media.png_data_uri(media.picture(walk.decoded_z, 112)), width=112,
            caption="decoded at z")
    b.image(heat(walk.pixel_nats, HEAT_TOP, 112), width=112,
            caption=f"where the reconstruction nats come from (white 0, dark {HEAT_TOP:g}+)")
    elbo_terms(walk)
    cloud = walkthrough.posterior_cloud(walk.mu, walk.sigma, 200, seed=s.how_seed)
    plot_markers([
        {"plot": "how_scatter", "id": "cloud", "points": cloud.tolist(), "color": "#e15759",
         "r": 2.2},
        *({"plot": "how_scatter", "id": f"sigma{k}", "path": latent.ellipse(
            walk.mu, 2 * np.log(walk.sigma), k).tolist(), "color": "#111", "width": 2,
           "dash": k == 2} for k in (1, 2)),
        {"plot": "how_scatter", "id": "mu", "x": float(walk.mu[0]), "y": float(walk.mu[1]),
         "style": "dot", "size": 11},
        {"plot": "how_scatter", "id": "z", "x": float(walk.z[0]), "y": float(walk.z[1]),
         "style": "cross", "size": 18}], key="how_markers")


def kl_formula(walk: walkthrough.Walk, model) -> None:
    """The KL term with this digit's numbers: the closed form every VAE course derives, or,
    for a learned prior, how it is estimated."""
    if walk.kl_exact:
        rows = r" \\ ".join(
            rf"&{'+' if d else ''}\left(1 + \log {s**2:.4g} - {m:.2f}^2 - {s**2:.4g}\right)"
            for d, (m, s) in enumerate(zip(walk.mu, walk.sigma, strict=True)))
        st.latex(r"\begin{aligned}\mathrm{KL}(q(z|x)\,\|\,p(z)) &= -\tfrac{1}{2}"
                 r"\textstyle\sum_d \left(1 + \log\sigma_d^2 - \mu_d^2 - \sigma_d^2\right)"
                 r" \\ &= -\tfrac12\Big[ \\ "
                 rf"{rows} \\ &\Big] = {walk.kl_nats:.2f} \text{{ nats}}\end{{aligned}}")
    else:
        st.caption(f"This model's prior is learned ({model.cfg.prior}, "
                   f"{model.cfg.components} components): its KL has no closed form, so it is "
                   f"estimated by Monte Carlo, the mean of log q(z|x) − log p(z) over "
                   f"{walkthrough.KL_SAMPLES:,} draws of z from q(z|x): {walk.kl_nats:.2f} nats.")


def elbo_terms(walk: walkthrough.Walk) -> None:
    """This draw's ELBO split, and what beta does to this digit's loss."""
    m1, m2, m3 = st.columns(3)
    m1.metric("reconstruction, −log p(x|z)", f"{walk.recon_nats:.1f} nats")
    m2.metric("KL(q(z|x) ‖ p(z))", f"{walk.kl_nats:.2f} nats")
    m3.metric("ELBO = −(recon + KL)", f"{walk.elbo:.1f} nats")
    beta = st.slider("β (the KL term's weight in training)", 0.0, 10.0, key="how_beta",
                     step=0.1, help="loss = recon + β·KL; β = 1 is the true ELBO")
    recon, kl = walk.recon_nats, beta * walk.kl_nats
    st.markdown(f"At β = {beta:g} this digit's loss is **{recon:.1f} + {beta:g} × "
                f"{walk.kl_nats:.2f} = {walk.loss(beta):.1f}** nats: the reconstruction term is "
                f"{100 * recon / max(recon + kl, 1e-9):.0f}% of it, the KL term "
                f"{100 * kl / max(recon + kl, 1e-9):.0f}%. {BETA_NOTE}")


@st.fragment
def prior_panel(entry: ModelEntry, model) -> None:
    st.subheader("The prior against the digits")
    d = models.densities(entry.path, entry.mtime)
    st.markdown(
        f"Left, the prior **p(z)** this model samples from ({model.cfg.prior}); right, the "
        "**aggregate posterior** q(z): where the encoder puts 10,000 training digits (the "
        "average of their q(z|x)). Outlined: the **holes**, where the prior has mass and "
        f"q(z) has less than a tenth of it. **{100 * d['hole_mass']:.1f}%** of the prior's "
        "mass lies in holes; a sample drawn there decodes to something no digit was encoded "
        "as (a learned prior can close them).")
    a, b = st.columns(2)
    for col, key, title in ((a, "prior", "prior p(z)"), (b, "aggregate", "aggregate q(z)")):
        col.plotly_chart(plots.density_figure(d["axis"], d[key], d["holes"], title),
                         key=f"how_{key}", config={"displayModeBar": False})
