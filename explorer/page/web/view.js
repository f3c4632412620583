// The Explore view, whole: the pad, the decoded preview, the z[0] / z[1] sliders, the clicked
// test digit beside its reconstruction, the scatter and the manifold. Every pointer and key
// is answered here, in the next animation frame; the host (the Streamlit component, or the
// share file) is told what was set: onCommit(z) on release, onSelect(i, z) on a clicked
// digit, onGrid(settings) when the manifold's settings change.

import { Pad, formatZ, round2 } from "./pad.js";
import { Scatter } from "./scatter.js";
import { Manifold } from "./manifold.js";
import { Sliders } from "./sliders.js";
import { REACH, cover } from "./extent.js";
import { paint, drawUri, relabel, benchStats } from "./pictures.js";

const RING = 2000; // latency samples kept per input (benchmarks only)

const HTML = `
<div class="lx-main">
  <div class="lx-side">
    <div class="lx-padcol"></div>
    <div class="lx-row">
      <figure class="lx-fig">
        <canvas class="lx-preview" role="img" aria-label="decoded digit"></canvas>
        <figcaption class="lx-cap">loading the decoder …</figcaption>
        <button type="button" class="lx-btn lx-save" title="the decoded digit, 280 x 280">Download PNG</button>
      </figure>
      <div class="lx-digit">
        <div class="lx-pair">
          <figure><canvas class="lx-orig" role="img" aria-label="the clicked test digit"></canvas><figcaption>original</figcaption></figure>
          <figure><canvas class="lx-recon" role="img" aria-label="its reconstruction"></canvas><figcaption>reconstruction</figcaption></figure>
        </div>
        <p class="lx-digit-info">Click a point of the scatter to compare a test digit with its reconstruction.</p>
        <p class="lx-digit-now" role="status" aria-live="polite"></p>
        <label class="lx-index-row"><span class="lx-index-word">test digit #</span> <input type="number" class="lx-index" min="0" step="1" inputmode="numeric"></label>
      </div>
    </div>
    <div class="lx-sliders"></div>
  </div>
  <div class="lx-scattercol"><h4>The encoded test digits</h4></div>
</div>
<section class="lx-manifold"><h4>Manifold: decoded digits over the latent plane</h4></section>
<p class="lx-status" role="status" aria-live="polite"></p>`;

const stateKey = (z, selected) => `${round2(z[0])},${round2(z[1])}|${selected ?? ""}`;

export class ExploreView {
  constructor(root, host = {}) {
    this.host = host;
    this.root = root;
    root.classList.add("lx");
    root.innerHTML = HTML;
    const $ = (s) => root.querySelector(s);
    this.el = { preview: $(".lx-preview"), cap: $(".lx-cap"), orig: $(".lx-orig"), recon: $(".lx-recon"),
      info: $(".lx-digit-info"), now: $(".lx-digit-now"), index: $(".lx-index"), status: $(".lx-status"), sliders: $(".lx-sliders") };
    this.lim = 4; this.reach = 4; this.classes = []; this.noun = "digit"; this.movedBy = null;
    this.z = [0, 0]; this.shown = [0, 0]; this.committed = [0, 0]; this.hovering = false;
    this.selected = null; this.decoder = null; this.points = null; this.digits = null;
    this.dataKey = null; this.sent = []; this.needResize = true;
    this.painted = { z: [NaN, NaN], sel: undefined }; this.raf = 0; this.decodeMs = 0; this.events = [];
    this.fallback = null;
    this.pad = new Pad($(".lx-padcol"), this);
    this.scatter = new Scatter($(".lx-scattercol"), this);
    this.manifold = new Manifold($(".lx-manifold"), this);
    this.sliders = new Sliders(this.el.sliders, this);
    this.setLim(4);
    this.stats = benchStats(host.id || "explore", { previews: 0, latency: {}, hash: 0, view: this });
    this.listen();
  }

  // ------------------------------------------------------------ what the host sets
  /** The model's extent: where the pad, the sliders, the scatter and the manifold start
   *  (explorer/plane/extent.py; it comes with the model's data file). */
  setLim(lim) {
    this.lim = lim;
    this.scatter.setHome(lim);
    this.manifold.setLim(lim);
    this.setReach(lim);
  }

  /** How far the pad and the sliders go: the extent, or more once a z beyond it was set. */
  setReach(reach) {
    this.reach = reach;
    this.root.dataset.reach = String(reach);
    this.sliders.setLim(reach);
    this.pad.setLim(reach);
    this.scatter.include(reach);
    this.schedule();
  }

  /** The farthest out a z may be set: REACH times the model's extent. */
  limit() { return REACH * this.lim; }

  /** Make z reachable, extending the pad and the sliders (and the scatter, when it shows
   *  less) to it; false, with the reason said, when it is beyond limit() (known once the
   *  model's data is in: a z Python had before that waits for it). */
  extendTo(z) {
    const far = Math.max(Math.abs(z[0]), Math.abs(z[1]));
    if (this.points && !(far <= this.limit())) {
      this.say(`z = (${z[0]}, ${z[1]}) is too far out: this model's ${this.noun}s lie within ±${this.lim}, and the view reaches ±${this.limit()} at most.`);
      return false;
    }
    const reach = cover(this.reach, z);
    if (reach !== this.reach) {
      this.setReach(reach);
      this.say(`The view extends to ±${reach} to show z = (${round2(z[0])}, ${round2(z[1])}).`);
    }
    return true;
  }

  /** A parsed data file (nn_runtime.parseBundle): the decoder and the encoded test set;
   *  the class names, and what one picture is called ("digit", "image", "picture"). */
  setBundle(bundle, classes, noun) {
    this.classes = classes || this.classes;
    this.name(noun || "digit");
    this.decoder = bundle.decoder;
    this.points = bundle.points;
    const lim = (bundle.header && bundle.header.meta || {}).extent;
    if (lim > 0) { this.setLim(lim); this.extendTo(this.z); }
    if (this.points) { this.pad.setPoints(this.points); this.scatter.setPoints(this.points, this.classes); }
    this.painted = { z: [NaN, NaN], sel: undefined };
    this.manifold.restart();
    this.root.dataset.ready = "1";
    this.schedule();
  }

  /** Every text that says what the pictures are. */
  name(noun) {
    this.noun = noun;
    relabel(this.root, [[".lx-preview", "aria-label", `decoded ${noun}`],
      [".lx-save", "title", `the decoded ${noun}, 280 x 280`], [".lx-orig", "aria-label", `the clicked test ${noun}`],
      [".lx-index-word", null, `test ${noun} #`], [".lx-scattercol h4", null, `The encoded test ${noun}s`],
      [".lx-manifold h4", null, `Manifold: decoded ${noun}s over the latent plane`]]);
    if (this.selected === null) relabel(this.root, [[".lx-digit-info", null, `Click a point of the scatter to compare a test ${noun} with its reconstruction.`]]);
  }

  /** The test digits (nn_runtime.unpackDigits), to show the one clicked. */
  setDigits(digits) {
    this.digits = digits; this.painted.sel = undefined; this.schedule();
  }

  /** For a model whose network the page cannot run: pictures decoded by Python, for z
   *  (`preview`), the selected digit (`recon`) and the manifold's settings (`grid`). */
  setFallback(f) {
    if (f.grid && f.grid !== (this.fallback && this.fallback.grid)) this.manifold.setPicture(f.grid);
    this.fallback = f;
    this.say(f.reason);
    this.fallbackCaption = `${formatZ(f.z)} · decoded by the server (the page cannot run this network)`;
    this.painted.sel = undefined;
    this.schedule();
  }

  /** z and the selected test digit as Python has them. What this view reported comes back
   *  with the next rerun: that echo (and any older one, overtaken since) changes nothing;
   *  a value Python set itself moves the view, unless the user is moving z right now. */
  setState(z, selected) {
    if (!z) return;
    const key = stateKey(z, selected);
    this.root.dataset.serverZ = `${round2(z[0])},${round2(z[1])}`;
    this.root.dataset.serverSelected = selected ?? "";
    if (key === this.dataKey) return;
    this.dataKey = key;
    const sent = this.sent.indexOf(key);
    if (sent >= 0) { this.sent.splice(0, sent + 1); return; } // our own report
    this.sent = [];
    if (this.busy()) return;
    if (!this.extendTo(z)) return;
    this.committed = z.slice();
    this.movedBy = "server";
    this.move(z.slice());
    if (selected !== this.selected) {
      this.selected = selected ?? null;
      this.root.dataset.selected = this.selected ?? "";
    }
  }

  busy() { return this.sliders.busy() || this.pad.dragging || this.pad.nudging; }

  say(text) { this.el.status.textContent = text; }

  // ------------------------------------------------------------ what the controls call
  clamp(z) {
    const c = (v) => Math.min(this.reach, Math.max(-this.reach, v));
    return [c(z[0]), c(z[1])];
  }

  /** Move z (and the preview) while the user sets it; `kind` names the input, for timing
   *  and for the clicked digit's panel (which says the preview moved away from it). */
  move(z, t, kind) {
    this.z = z; this.shown = z.slice();
    if (kind && kind !== "hover") this.movedBy = kind;
    this.root.dataset.z = `${round2(z[0])},${round2(z[1])}`;
    this.schedule(t, kind);
  }

  hover(z, t) {
    if (!z) {
      if (!this.hovering) return;
      this.hovering = false; this.shown = this.z.slice();
    } else { this.hovering = true; this.shown = z; }
    this.schedule(t, "hover");
  }

  cancel() { this.move(this.committed.slice()); }

  commit() {
    const z = [round2(this.z[0]), round2(this.z[1])];
    this.z = z; this.committed = z.slice();
    this.root.dataset.z = `${z[0]},${z[1]}`;
    if (!this.hovering) this.shown = z.slice();
    this.schedule();
    this.report(z);
    if (this.host.onCommit) this.host.onCommit(z);
  }

  select(i, t, kind) {
    if (!this.points || i < 0 || i >= this.points.n) return;
    const z = [round2(this.points.z[2 * i]), round2(this.points.z[2 * i + 1])];
    if (!this.extendTo(z)) return;
    this.selected = i;
    this.root.dataset.selected = i;
    this.move(z, t, kind);
    this.movedBy = "select";
    this.committed = z.slice();
    this.report(z);
    if (this.host.onSelect) this.host.onSelect(i, z);
  }

  /** Remember what is told to the host, to know its echo (see setState). */
  report(z) {
    this.sent.push(stateKey(z, this.selected));
    if (this.sent.length > 16) this.sent.shift();
  }

  gridChanged(settings) { if (this.host.onGrid) this.host.onGrid(settings); }

  download(canvas, name) {
    canvas.toBlob((blob) => {
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob); a.download = name;
      this.root.appendChild(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    }, "image/png");
  }

  schedule(t, kind) {
    if (t !== undefined && kind) this.events.push([t, kind]);
    if (!this.raf) this.raf = requestAnimationFrame(() => this.frame());
  }

  // ------------------------------------------------------------ drawing, once per frame
  frame() {
    this.raf = 0;
    if (this.needResize) { // only after the view's size changed: reading sizes forces a layout
      this.needResize = false;
      this.pad.resize(); this.scatter.resize(); this.manifold.resize(); this.sizePreview();
    }
    const net = this.decoder, s = this.shown, p = this.painted;
    let hash = null;
    if (net && !(p.z[0] === s[0] && p.z[1] === s[1])) {
      const t0 = performance.now();
      net.input[0] = s[0]; net.input[1] = s[1];
      const [, h, w] = net.outShape;
      hash = paint(this.el.preview, net.run(), w, h);
      this.decodeMs = performance.now() - t0;
      p.z = s.slice();
    }
    const uri = this.fallback && this.fallback.preview;
    if (!net && uri && p.uri !== uri) { drawUri(this.el.preview, uri); p.uri = uri; }
    if (p.sel !== this.selected) hash = this.paintDigit() ?? hash;
    this.pad.draw(); this.scatter.draw(); this.manifold.draw();
    this.sliders.draw();
    this.caption();
    this.digitNow();
    if (this.manifold.step()) this.schedule();
    this.record(hash);
  }

  sizePreview() {
    const c = this.el.preview, px = Math.round((c.clientWidth || 200) * (window.devicePixelRatio || 1));
    if (c.width !== px) { c.width = c.height = px; this.painted.z = [NaN, NaN]; this.painted.uri = null; }
    for (const k of ["orig", "recon"]) {
      const d = this.el[k], q = Math.round((d.clientWidth || 96) * (window.devicePixelRatio || 1));
      if (d.width !== q) { d.width = d.height = q; this.painted.sel = undefined; }
    }
  }

  paintDigit() {
    const i = this.selected, el = this.el, d = this.digits, pts = this.points;
    if (i === null || !pts) {
      for (const c of [el.orig, el.recon]) c.getContext("2d").clearRect(0, 0, c.width, c.height);
      this.painted.sel = i;
      return null;
    }
    let hash = null;
    if (this.decoder) {
      const net = this.decoder, [, h, w] = net.outShape;
      net.input[0] = pts.z[2 * i]; net.input[1] = pts.z[2 * i + 1];
      hash = paint(el.recon, net.run(), w, h);
    } else if (this.fallback && this.fallback.recon) drawUri(el.recon, this.fallback.recon);
    const name = this.classes[pts.labels[i]] ?? pts.labels[i];
    el.info.innerHTML = `<b>Test ${this.noun} #${i}</b>, label <b class="lx-label">${name}</b>, ` +
      `z = (${pts.z[2 * i].toFixed(2)}, ${pts.z[2 * i + 1].toFixed(2)})`;
    if (document.activeElement !== el.index && this.root.getRootNode().activeElement !== el.index) el.index.value = i;
    if (!d) { el.info.append(" (loading the picture …)"); return hash; }
    const n = d.h * d.w, px = new Float32Array(n), k = 1 / (d.levels - 1);
    for (let j = 0; j < n; j++) px[j] = d.pixels[i * n + j] * k;
    paint(el.orig, px, d.w, d.h, true);
    this.painted.sel = i;
    return hash;
  }

  /** Under the clicked digit: what the preview shows once z has moved away from it. */
  digitNow() {
    const i = this.selected, pts = this.points, z = this.z;
    let text = "";
    if (i !== null && pts && i < pts.n && this.movedBy !== "select" &&
        (round2(pts.z[2 * i]) !== round2(z[0]) || round2(pts.z[2 * i + 1]) !== round2(z[1]))) {
      const how = { pad: "on the pad", pad_key: "with the arrow keys", manifold: "on the manifold",
        slider_drag: "with the sliders", slider_key: "with the sliders", typed: "by a typed value",
        paste: "by a pasted z", scatter: "on the scatter", server: "from another tab" }[this.movedBy] || "";
      text = `The preview now shows ${formatZ(z)}${how ? `, set ${how}` : ""}; this is the ${this.noun} clicked before.`;
    }
    if (this.el.now.textContent !== text) this.el.now.textContent = text;
    this.root.dataset.digitNow = text ? "moved" : "";
  }

  caption() {
    let cap;
    if (this.decoder) {
      cap = `${formatZ(this.shown)}${this.hovering ? " (pointer)" : ""} · decoded here in ${this.decodeMs.toFixed(1)} ms`;
    } else cap = this.fallbackCaption || "loading the decoder …";
    if (this.el.cap.textContent !== cap) this.el.cap.textContent = cap;
  }

  /** Benchmarks only (window.__lxBench): input-to-pixels times per input, and distinct
   *  previews painted. */
  record(hash) {
    const s = this.stats, now = performance.now();
    if (s && hash !== null && hash !== s.hash) {
      s.hash = hash; s.previews++;
      for (const [t, kind] of this.events) {
        const ring = s.latency[kind] || (s.latency[kind] = []);
        ring.push(now - t);
        if (ring.length > RING) ring.shift();
      }
    }
    if (hash !== null || !this.events.some(([t]) => now - t < 1000)) this.events = [];
  }

  // ------------------------------------------------------------ digit index, saving
  listen() {
    const root = this.root, el = this.el;
    el.index.addEventListener("change", (e) => {
      const i = Number(el.index.value), n = this.points ? this.points.n : 0;
      if (!Number.isInteger(i) || i < 0 || i >= n) { this.say(`There are test ${this.noun}s #0 to #${n - 1}.`); return; }
      this.say("");
      this.select(i, e.timeStamp, "typed");
    });
    root.querySelector(".lx-save").addEventListener("click", () => {
      const out = document.createElement("canvas"), net = this.decoder;
      out.width = out.height = 280;
      if (net) {
        net.input[0] = this.z[0]; net.input[1] = this.z[1];
        const [, h, w] = net.outShape;
        paint(out, net.run(), w, h);
      } else out.getContext("2d").drawImage(el.preview, 0, 0, 280, 280);
      this.download(out, `decoded-z${this.z[0].toFixed(2)}_${this.z[1].toFixed(2)}.png`);
    });
    this.ro = new ResizeObserver(() => { this.needResize = true; this.schedule(); });
    this.ro.observe(root);
  }

  destroy() {
    cancelAnimationFrame(this.raf);
    this.ro.disconnect();
    this.pad.destroy();
    this.root.innerHTML = "";
  }
}
