// The How it works walk: one digit through the model, every number computed in the page
// (the encoder and decoder run here), so a new digit or a new noise draw is answered in
// the next frame. The host (ui/static/how_view.js) is told what was chosen: onChange({src,
// index, seed, beta}). The maths is elbo.js's, with the constants of the model's data file;
// the heat map's palette, the KL's draws and the words on beta are Python's (setState).

import { Plane, cross, ring } from "./plane.js";
import { cover } from "./extent.js";
import { elbo } from "./elbo.js";
import { fit, paint, paintHeat, relabel, benchStats } from "./pictures.js";

const CLOUD = 200;

/** A seeded generator of standard normal pairs (mulberry32 + Box-Muller). */
export function normals(seed) {
  let a = (seed * 2654435761 + 0x9e3779b9) >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => {
    const r = Math.sqrt(-2 * Math.log(1 - uniform())), th = 2 * Math.PI * uniform();
    return [r * Math.cos(th), r * Math.sin(th)];
  };
}

const fmt = (v, n = 2) => (v < 0 ? "−" : "") + Math.abs(v).toFixed(n);
const pair = (v, n = 2) => `(${fmt(v[0], n)}, ${fmt(v[1], n)})`;

const HTML = `
<div class="lw-main">
  <div class="lw-left">
    <div class="lw-choose" role="radiogroup" aria-label="the digit">
      <label><input type="radio" name="lw-src" value="test" checked> <span class="lw-word">test digit #</span></label>
      <input type="number" class="lw-index" aria-label="test digit #" min="0" step="1" value="0">
      <button type="button" class="lx-btn lw-from" title="the test digit clicked on the Explore tab">from Explore</button>
      <label><input type="radio" name="lw-src" value="drawing"> your drawing</label>
    </div>
    <div class="lw-pics">
      <figure><canvas class="lw-x" role="img" aria-label="the digit as the model sees it"></canvas><figcaption class="lw-x-cap"></figcaption></figure>
      <figure><canvas class="lw-mu" role="img" aria-label="decoded at mu"></canvas><figcaption>decoded at μ, the encoder's mean</figcaption></figure>
      <figure><canvas class="lw-z" role="img" aria-label="decoded at z"></canvas><figcaption>decoded at z</figcaption></figure>
      <figure><canvas class="lw-heat" role="img" aria-label="reconstruction nats per pixel"></canvas><figcaption class="lw-heat-cap"></figcaption></figure>
    </div>
    <p class="lw-q"></p>
    <div class="lw-kl"></div>
    <div class="lw-noise"><button type="button" class="lx-btn lw-draw">Draw ε again</button><span class="lw-zline"></span></div>
    <div class="lw-tiles">
      <div><span>reconstruction, −log p(x|z)</span><b class="lw-recon"></b></div>
      <div><span>KL(q(z|x) ‖ p(z))</span><b class="lw-klv"></b></div>
      <div><span>ELBO = −(recon + KL)</span><b class="lw-elbo"></b></div>
    </div>
    <label class="lw-beta-row">β, the KL term's weight in training
      <input type="range" class="lw-beta" min="0" max="10" step="0.1" value="1" aria-label="beta"><output></output></label>
    <p class="lw-loss"></p>
  </div>
  <div class="lw-right"><div class="lw-plane"></div>
    <div class="lw-under"><p class="lx-note"><span class="lw-words">The test digits; q(z|x) of this digit</span> as its 1- and 2-sigma ellipses and ${CLOUD} draws (red); the ring is μ, the cross z.</p>
    <button type="button" class="lx-btn lw-zoom" aria-pressed="false">Zoom to q(z|x)</button></div></div>
</div>
<p class="lx-status lw-status" role="status" aria-live="polite"></p>`;

export class WalkView {
  constructor(root, host = {}) {
    this.root = root; this.host = host;
    root.classList.add("lx", "lw");
    root.innerHTML = HTML;
    const $ = (s) => root.querySelector(s);
    this.el = Object.fromEntries(["x", "mu", "z", "heat", "x-cap", "q", "kl", "zline", "recon",
      "klv", "elbo", "beta", "loss", "index", "from", "draw", "zoom", "status", "heat-cap"].map((k) => [k, $(`.lw-${k}`)]));
    this.el.betaOut = $(".lw-beta-row output");
    this.plane = new Plane($(".lw-plane"), { left: 40, right: 8, top: 8, bottom: 34 });
    this.plane.style = { alpha: 0.3, radius: 1.6 };
    this.state = { src: "test", index: 0, seed: 0, beta: 1 };
    this.selected = null; this.drawing = null; this.classes = []; this.noun = "digit"; this.show = null;
    this.raf = 0; this.events = []; this.notice = "";
    this.stats = benchStats(host.id || "walk", { latency: {}, frames: 0, view: this });
    this.listen();
  }

  /** What one picture is called ("digit", "image", "picture"), in every text that says it. */
  name(noun) {
    this.noun = noun;
    relabel(this.root, [[".lw-choose", "aria-label", `the ${noun}`], [".lw-word", null, `test ${noun} #`],
      [".lw-index", "aria-label", `test ${noun} #`], [".lw-from", "title", `the test ${noun} clicked on the Explore tab`],
      [".lw-x", "aria-label", `the ${noun} as the model sees it`], [".lw-words", null, `The test ${noun}s; q(z|x) of this ${noun}`]]);
  }

  /** A parsed data file: the decoder, the prior, the test digits' means, and in its meta the
   *  likelihood's constants (elbo.js) and the plane's extent. */
  setBundle(bundle, classes, noun) {
    const meta = bundle.header.meta || {};
    let maths;
    try { maths = elbo(meta.elbo); } catch (e) { this.say(e.message); return; }
    this.name(noun || "digit");
    Object.assign(this, { decoder: bundle.decoder, prior: bundle.prior, maths,
      points: bundle.points, classes: classes || [], learned: !!meta.prior && meta.prior !== "standard" });
    this.plane.points = this.points;
    this.extent = meta.extent > 0 ? meta.extent : 4; // the model's (explorer/plane/extent.py)
    this.boxKey = null;
    this.el.index.max = this.points.n - 1;
    this.dirty = true; this.root.dataset.ready = "1";
    this.schedule();
  }

  setDigits(digits) { this.digits = digits; this.schedule(); }

  setEncoder(encoder) { this.encoder = encoder; this.schedule(); }

  /** What Python has: the choice (on mount), the digit clicked on Explore, a drawing, and
   *  `show` (explorer/ui/how/tab.py's): {heat: palette, heat_top: nats, kl_samples, beta_note}. */
  setState(s) {
    if (s.show) {
      if (this.show && this.show.kl_samples !== s.show.kl_samples) this.klDraws = null;
      this.show = s.show;
      this.el["heat-cap"].textContent = `where the reconstruction nats come from (white 0, dark ${s.show.heat_top}+)`;
    }
    if (!this.mounted) {
      this.mounted = true;
      Object.assign(this.state, { src: s.src || "test", index: s.index || 0, seed: s.seed || 0, beta: s.beta ?? 1 });
      this.el.index.value = this.state.index; this.el.beta.value = this.state.beta;
      this.root.querySelector(`input[value="${this.state.src}"]`).checked = true;
    }
    this.selected = s.selected ?? null; this.drawing = s.drawing || null;
    this.el.from.disabled = this.selected === null;
    this.schedule();
  }

  schedule(t, kind) {
    if (t !== undefined) this.events.push([t, kind]);
    if (!this.raf) this.raf = requestAnimationFrame(() => this.frame());
  }

  report() { if (this.host.onChange) this.host.onChange({ ...this.state }); }

  /** The input as the likelihood scores it, (784,), or null with the reason said. */
  input() {
    const out = new Float32Array(784), bern = this.maths.likelihood === "bernoulli";
    if (this.state.src === "drawing") {
      if (!this.drawing) return null;
      for (let i = 0; i < 784; i++) out[i] = bern ? +(this.drawing[i] > 0.5) : this.drawing[i];
      return out;
    }
    const d = this.digits, i = this.state.index;
    if (!d || !(i >= 0 && i < d.n)) return null;
    for (let j = 0, k = i * 784, top = d.levels - 1; j < 784; j++) {
      const v = d.pixels[k + j] / top;  // 16 grey levels: v > 0.5 exactly where byte/255 > 0.5
      out[j] = bern ? +(v > 0.5) : v;
    }
    return out;
  }

  /** Every number of the walk for the current choice. */
  compute(x) {
    const enc = this.encoder;
    enc.input.set(x);
    const h = enc.run(), mu = [h[0], h[1]];
    const logvar = [h[2], h[3]];  // clamped by the encoder's last op, as model.encode does
    const sigma = logvar.map((v) => Math.exp(0.5 * v));
    const eps = normals(this.state.seed)(), z = [mu[0] + sigma[0] * eps[0], mu[1] + sigma[1] * eps[1]];
    const dec = this.decoder, m = this.maths;
    dec.input[0] = z[0]; dec.input[1] = z[1];
    const logits = dec.run(), nats = new Float32Array(784), recon = m.nll(logits, x, nats);
    const zPicture = Float32Array.from(logits);
    dec.input[0] = mu[0]; dec.input[1] = mu[1];
    const muPicture = Float32Array.from(dec.run());
    const learned = this.learned;
    // a learned prior: E_q[log q(z|x) - log p(z)] by Monte Carlo; fixed draws: the same digit, the same estimate
    const kl = learned ? m.mixtureKl(mu, logvar, this.prior, this.klEps()) : m.gaussianKl(mu, logvar);
    const cloudDraw = normals(this.state.seed + 0.5), cloud = [];
    for (let n = 0; n < CLOUD; n++) { const e = cloudDraw(); cloud.push([mu[0] + sigma[0] * e[0], mu[1] + sigma[1] * e[1]]); }
    return { mu, logvar, sigma, eps, z, nats, recon, kl, learned, zPicture, muPicture, cloud };
  }

  /** The noise draws of the KL's Monte Carlo estimate (as many as walkthrough.KL_SAMPLES). */
  klEps() {
    if (!this.klDraws) { const draw = normals(1e6 + 7); this.klDraws = Array.from({ length: this.show.kl_samples }, draw); }
    return this.klDraws;
  }

  frame() {
    this.raf = 0;
    if (!this.encoder || !this.decoder || !this.show) return;
    if (this.plane.resize(this.plane.host.clientWidth) || this.dirty) { this.plane.drawBase(); this.dirty = false; }
    const x = this.input();
    if (!x) {
      this.say(this.state.src === "drawing" ? "Draw or upload a digit on the Draw or upload tab first."
        : "Loading the test digits …");
      this.plane.overlay();
      return;
    }
    this.say(this.notice || "");
    const walk = this.walk = this.compute(x);
    this.paint(x, walk);
    this.record();
  }

  paint(x, walk) {
    const el = this.el, i = this.state.index, bern = this.maths.likelihood === "bernoulli", show = this.show;
    paint(fit(el.x), x, 28, 28, true); paint(fit(el.mu), walk.muPicture, 28, 28); paint(fit(el.z), walk.zPicture, 28, 28);
    paintHeat(fit(el.heat), walk.nats, 28, 28, show.heat, show.heat_top);
    el["x-cap"].textContent = `${this.state.src === "drawing" ? "your drawing" : `test ${this.noun} #${i} (${this.classes[this.points.labels[i]] ?? ""})`}, as the model sees it (${bern ? "binarized at 0.5" : this.state.src === "drawing" ? "grey" : `grey, in the ${this.digits.levels} levels the page keeps`})`;
    el.q.textContent = `q(z|x) = N(μ, σ²):  μ = ${pair(walk.mu)},  σ = ${pair(walk.sigma, 3)}`;
    el.kl.innerHTML = walk.learned
      ? `<p class="lx-note">This model's prior is learned: its KL has no closed form, so it is estimated by Monte Carlo, the mean of log q(z|x) − log p(z) over ${show.kl_samples.toLocaleString()} draws of z from q(z|x): ${fmt(walk.kl)} nats.</p>`
      : `${KL_MATH}<p class="lw-numbers">= −½ [ ${[0, 1].map((d) => `(1 + log ${(walk.sigma[d] ** 2).toPrecision(3)} − ${fmt(walk.mu[d])}² − ${(walk.sigma[d] ** 2).toPrecision(3)})`).join(" + ")} ] = <b>${fmt(walk.kl)} nats</b></p>`;
    el.zline.textContent = `ε = ${pair(walk.eps)},   z = μ + σ ⊙ ε = ${pair(walk.z, 3)}`;
    el.recon.textContent = `${fmt(walk.recon, 1)} nats`; el.klv.textContent = `${fmt(walk.kl)} nats`;
    el.elbo.textContent = `${fmt(-(walk.recon + walk.kl), 1)} nats`;
    const b = this.state.beta, loss = walk.recon + b * walk.kl;
    el.betaOut.textContent = b.toFixed(1);
    el.loss.innerHTML = `At β = ${b} this digit's loss is <b>${fmt(walk.recon, 1)} + ${b} × ${fmt(walk.kl)} = ${fmt(loss, 1)}</b> nats: the reconstruction term is ${Math.round(100 * walk.recon / loss)}% of it, the KL term ${Math.round(100 * b * walk.kl / loss)}%. ${show.beta_note}`;
    const ds = this.root.dataset, four = (v) => `${v[0].toFixed(4)},${v[1].toFixed(4)}`;
    Object.assign(ds, { src: this.state.src, index: String(i), eps: four(walk.eps), mu: four(walk.mu),
      sigma: `${walk.sigma[0].toPrecision(5)},${walk.sigma[1].toPrecision(5)}`, z: four(walk.z) });
    this.root.dataset.recon = walk.recon.toFixed(4); this.root.dataset.kl = walk.kl.toFixed(4);
    const p = this.plane, box = this.zoomed ? around(walk.mu, walk.sigma) : this.whole(walk);
    if (box.join() !== this.boxKey) { this.boxKey = box.join(); p.setBox(...box); p.drawBase(); }
    const ctx = p.overlay();
    ctx.fillStyle = "rgba(225, 87, 89, 0.5)";
    for (const [cx, cy] of walk.cloud) { ctx.beginPath(); ctx.arc(p.X(cx), p.Y(cy), 2.2, 0, 2 * Math.PI); ctx.fill(); }
    for (const k of [1, 2]) {
      ctx.setLineDash(k === 2 ? [6, 4] : []); ctx.strokeStyle = "#111"; ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.ellipse(p.X(walk.mu[0]), p.Y(walk.mu[1]), Math.max(0.5, k * walk.sigma[0] * p.S / p.span()),
        Math.max(0.5, k * walk.sigma[1] * p.S / p.span()), 0, 0, 2 * Math.PI);
      ctx.stroke();
    }
    ctx.setLineDash([]);
    ring(ctx, p.X(walk.mu[0]), p.Y(walk.mu[1]), 5, "#111");
    cross(ctx, p.X(walk.z[0]), p.Y(walk.z[1]), 7);
  }

  /** The model's extent, or more where this digit's 2-sigma ellipse reaches beyond it. */
  whole(walk) {
    const far = [0, 1].map((i) => Math.abs(walk.mu[i]) + 2 * walk.sigma[i]);
    const half = cover(this.extent, far);
    return [-half, half, -half, half];
  }

  say(text) { this.el.status.textContent = text; }

  record() {
    const s = this.stats, now = performance.now();
    if (s) {
      s.frames++;
      for (const [t, kind] of this.events) (s.latency[kind] = s.latency[kind] || []).push(now - t);
    }
    this.events = [];
  }

  listen() {
    const el = this.el, st = this.state, root = this.root;
    el.draw.addEventListener("click", (e) => { st.seed += 1; this.schedule(e.timeStamp, "draw"); this.report(); });
    el.index.addEventListener("change", (e) => {
      const i = Number(el.index.value), n = this.points ? this.points.n : 0;
      if (!Number.isInteger(i) || i < 0 || i >= n) {
        this.notice = `There is no test ${this.noun} #${el.index.value}: they go from #0 to #${n - 1}.`;
        el.index.value = st.index; this.schedule();
        return;
      }
      this.notice = "";
      Object.assign(st, { index: i, src: "test" });
      root.querySelector('input[value="test"]').checked = true;
      this.schedule(e.timeStamp, "digit"); this.report();
    });
    el.from.addEventListener("click", (e) => {
      if (this.selected === null) return;
      this.notice = ""; Object.assign(st, { index: this.selected, src: "test" });
      el.index.value = this.selected; root.querySelector('input[value="test"]').checked = true;
      this.schedule(e.timeStamp, "digit"); this.report();
    });
    root.querySelectorAll('input[name="lw-src"]').forEach((r) => r.addEventListener("change", (e) => {
      this.notice = ""; st.src = r.value; this.schedule(e.timeStamp, "digit"); this.report();
    }));
    el.zoom.addEventListener("click", () => {
      this.zoomed = !this.zoomed;
      el.zoom.setAttribute("aria-pressed", String(this.zoomed));
      el.zoom.textContent = this.zoomed ? "Show the whole plane" : "Zoom to q(z|x)";
      this.schedule();
    });
    el.beta.addEventListener("input", (e) => { st.beta = Number(el.beta.value); this.schedule(e.timeStamp, "beta"); });
    el.beta.addEventListener("change", () => this.report());
    this.ro = new ResizeObserver(() => this.schedule());
    this.ro.observe(root);
  }

  destroy() { cancelAnimationFrame(this.raf); this.ro.disconnect(); this.root.innerHTML = ""; }
}

/** A view box around q(z|x): its 2-sigma ellipse with room to spare, at least 0.5 wide. */
function around(mu, sigma) {
  const half = Math.max(0.25, 4 * Math.max(sigma[0], sigma[1]));
  return [mu[0] - half, mu[0] + half, mu[1] - half, mu[1] + half];
}

const KL_MATH = `<math display="block"><mrow><mi>KL</mi><mo>(</mo><mi>q</mi><mo>(</mo><mi>z</mi><mo>|</mo><mi>x</mi><mo>)</mo><mo>‖</mo><mi>p</mi><mo>(</mo><mi>z</mi><mo>)</mo><mo>)</mo><mo>=</mo><mo>−</mo><mfrac><mn>1</mn><mn>2</mn></mfrac><munder><mo>∑</mo><mi>d</mi></munder><mo>(</mo><mn>1</mn><mo>+</mo><mi>log</mi><msubsup><mi>σ</mi><mi>d</mi><mn>2</mn></msubsup><mo>−</mo><msubsup><mi>μ</mi><mi>d</mi><mn>2</mn></msubsup><mo>−</mo><msubsup><mi>σ</mi><mi>d</mi><mn>2</mn></msubsup><mo>)</mo></mrow></math>`;
