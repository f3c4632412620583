// The manifold: the decoder's pictures over an n x n grid of the latent plane, decoded in
// the page a few rows per frame (the page stays responsive while a 30 x 30 grid fills in).
// Click a cell to move z there; the red square marks the cell of the current z. Spacing
// "normal" puts the cells at Normal quantiles, each holding equal prior mass, as
// explorer/plane/latent.py's grid_axis does. The ranges on offer follow the model's plane.

import { ACCENT } from "./plane.js";
import { gridRanges } from "./extent.js";

const BUDGET_MS = 8; // decoding per animation frame
const PX = [28, 56, 84, 112];
let groups = 0; // unique radio group names per view

/** The inverse of the standard Normal CDF (P. J. Acklam's rational approximation, relative
 *  error below 1.2e-9). */
export function normalQuantile(p) {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  const tail = (q) => (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  if (p < lo) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - lo) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5, r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** n coordinates from -lim to lim, linear or at Normal quantiles (clipped to ±lim) scaled
 *  by `scale` (the plane's extent over a standard-prior model's 4: 1 for that model). */
export function gridAxis(n, lim, spacing, scale = 1) {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = spacing === "normal"
      ? Math.min(lim, Math.max(-lim, scale * normalQuantile((i + 0.5) / n)))
      : n === 1 ? -lim : -lim + (2 * lim * i) / (n - 1);
  }
  return out;
}

const options = (values) => values.map((v) => `<option value="${v}">±${v}</option>`).join("");

export class Manifold {
  constructor(parent, view) {
    this.view = view;
    const g = `lx-spacing-${++groups}`;
    const lims = options(gridRanges(4));
    const pxs = PX.map((v) => `<option value="${v}">${v}</option>`).join("");
    parent.insertAdjacentHTML("beforeend", `
      <div class="lx-grid" role="img" aria-label="decoded digits over the latent plane"><canvas></canvas><canvas aria-hidden="true"></canvas></div>
      <div class="lx-grid-controls">
        <label>cells per side <input type="range" class="lx-grid-n" min="10" max="30" step="1" value="15"><output>15</output></label>
        <label>range <select class="lx-grid-lim">${lims}</select></label>
        <span class="lx-radio" role="radiogroup" aria-label="spacing">spacing
          <label><input type="radio" name="${g}" value="linear" checked> linear</label>
          <label title="cells at Normal quantiles (each holding equal mass of N(0, I), as in the TensorFlow tutorial), scaled to the model's plane"><input type="radio" name="${g}" value="normal"> normal</label></span>
        <span class="lx-dl"><label>pixels per cell <select class="lx-grid-px">${pxs}</select></label>
          <button type="button" class="lx-btn lx-grid-save">Download PNG</button></span>
      </div>`);
    const $ = (s) => parent.querySelector(s);
    this.box = $(".lx-grid");
    [this.canvas, this.over] = this.box.querySelectorAll("canvas");
    this.inputs = { n: $(".lx-grid-n"), lim: $(".lx-grid-lim"), px: $(".lx-grid-px"),
      out: $(".lx-grid-controls output"), radios: parent.querySelectorAll(`input[name="${g}"]`) };
    this.inputs.lim.value = "3"; this.inputs.px.value = "56";
    this.cells = document.createElement("canvas"); // n*28 square, one cell per decoded z
    this.settings = { n: 15, lim: 3, spacing: "linear" };
    this.job = null; this.picture = null; this.size = 0;
    this.listen(parent);
  }

  /** The model's extent: the ranges on offer are eighths of it (±1 to ±4 for a standard
   *  model's ±4), and the grid starts at three quarters of it. */
  setLim(lim) {
    if (lim === this.planeLim) return;
    this.planeLim = lim;
    const ranges = gridRanges(lim), first = ranges[4];
    this.inputs.lim.innerHTML = options(ranges);
    this.inputs.lim.value = String(first);
    this.settings = { ...this.settings, lim: first };
    this.restart();
  }

  /** Start decoding the grid for the current settings (the network may have changed). */
  restart() {
    const { n, lim, spacing } = this.settings, net = this.view.decoder;
    this.axis = gridAxis(n, lim, spacing, (this.planeLim || 4) / 4);
    if (!net) { this.job = null; return; }
    const [, h, w] = net.outShape;
    this.cells.width = n * w; this.cells.height = n * h;
    this.img = this.cells.getContext("2d").createImageData(w, h);
    this.job = { next: 0, total: n * n, net };
    this.box.dataset.ready = "0";
    this.view.schedule();
  }

  /** Fallback: a picture of the whole grid drawn by Python for these settings. */
  setPicture(uri) {
    const img = new Image();
    img.onload = () => { this.picture = img; this.blit(); this.box.dataset.ready = "1"; };
    img.src = uri;
  }

  /** Decode cells until the frame's budget is spent; true while work is left. */
  step() {
    const job = this.job;
    if (!job) return false;
    const t0 = performance.now(), n = this.settings.n, ctx = this.cells.getContext("2d");
    const d = this.img.data, w = this.img.width, h = this.img.height;
    while (job.next < job.total && performance.now() - t0 < BUDGET_MS) {
      const row = Math.floor(job.next / n), col = job.next % n;
      job.net.input[0] = this.axis[col]; job.net.input[1] = this.axis[n - 1 - row];
      const logits = job.net.run();
      for (let i = 0, j = 0; i < w * h; i++, j += 4) {
        d[j] = d[j + 1] = d[j + 2] = Math.round(255 - 255 / (1 + Math.exp(-logits[i])));
        d[j + 3] = 255;
      }
      ctx.putImageData(this.img, col * w, row * h);
      job.next++;
    }
    this.blit();
    if (job.next < job.total) return true;
    this.job = null;
    this.box.dataset.ready = "1";
    return false;
  }

  resize() {
    const size = Math.floor(this.box.clientWidth), dpr = window.devicePixelRatio || 1;
    if (!size || (size === this.size && dpr === this.dpr)) return;
    this.size = size; this.dpr = dpr;
    this.box.style.height = `${size}px`;
    for (const c of [this.canvas, this.over]) c.width = c.height = Math.round(size * dpr);
    this.blit();
  }

  blit() {
    const src = this.picture || this.cells;
    if (!this.size || !src.width) return;
    const ctx = this.canvas.getContext("2d");
    ctx.imageSmoothingEnabled = true; ctx.imageSmoothingQuality = "high";
    ctx.drawImage(src, 0, 0, this.canvas.width, this.canvas.height);
  }

  /** The red square at the cell position of z (fractional, between cell centres). */
  draw() {
    if (!this.size || !this.axis) return;
    const ctx = this.over.getContext("2d"), n = this.settings.n, cell = this.size / n;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, this.size, this.size);
    const at = (v) => { // fractional index of v on the axis (np.interp)
      const a = this.axis;
      if (v <= a[0]) return 0;
      for (let i = 1; i < n; i++) if (v <= a[i]) return i - 1 + (v - a[i - 1]) / (a[i] - a[i - 1]);
      return n - 1;
    };
    const x = (at(this.view.z[0]) + 0.5) * cell, y = (n - 0.5 - at(this.view.z[1])) * cell;
    ctx.strokeStyle = ACCENT; ctx.lineWidth = 3;
    ctx.strokeRect(x - cell / 2 + 1.5, y - cell / 2 + 1.5, cell - 3, cell - 3);
  }

  save() {
    const n = this.settings.n, px = Number(this.inputs.px.value), out = document.createElement("canvas");
    out.width = out.height = n * px;
    const ctx = out.getContext("2d"), src = this.picture || this.cells, w = src.width / n;
    ctx.imageSmoothingEnabled = true; ctx.imageSmoothingQuality = "high";
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) {
      ctx.drawImage(src, c * w, r * w, w, w, c * px, r * px, px, px);
    }
    this.view.download(out, `manifold-${n}x${n}-${this.settings.spacing}.png`);
  }

  listen(parent) {
    const inp = this.inputs, changed = () => {
      this.settings = { n: Number(inp.n.value), lim: Number(inp.lim.value),
        spacing: [...inp.radios].find((r) => r.checked).value };
      inp.out.textContent = String(this.settings.n);
      this.restart();
      this.view.gridChanged(this.settings);
    };
    inp.n.addEventListener("input", changed);
    inp.lim.addEventListener("change", changed);
    inp.radios.forEach((r) => r.addEventListener("change", changed));
    parent.querySelector(".lx-grid-save").addEventListener("click", () => this.save());
    this.box.addEventListener("click", (e) => {
      const r = this.box.getBoundingClientRect(), n = this.settings.n;
      const col = Math.min(n - 1, Math.floor(((e.clientX - r.left) / r.width) * n));
      const row = Math.min(n - 1, Math.floor(((e.clientY - r.top) / r.height) * n));
      if (col < 0 || row < 0) return;
      this.view.move([this.axis[col], this.axis[n - 1 - row]], e.timeStamp, "manifold");
      this.view.commit();
    });
  }
}
