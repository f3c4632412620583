// The latent pad: a square over the latent plane that decodes z in the page while the
// pointer moves, so the digit morphs instead of jumping. A Streamlit Components v2 module:
// Streamlit calls the default export on mount and again whenever `data` changes, with the
// same parentElement, so the pad is built once per parent and then only updated.
//
// The decoder is a layer list plus float32 weights exported by explorer/export.py, fetched
// once per bundle (a content-hash file under app/static/) and run by the small interpreter
// below: plain loops over preallocated Float32Arrays, nothing allocated per frame.

const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
  "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]; // Tableau 10, as explorer/ui/plots.py
const MARKER = "#111111";
const M = { left: 46, right: 12, top: 10, bottom: 40 }; // pad margins around the plot, CSS px
const STEP = 0.05, BIG_STEP = 0.25; // arrow-key nudges (Shift: big)
const KEEP_BUNDLES = 6;

// ---------------------------------------------------------------- the network interpreter

const prod = (s) => s.reduce((a, b) => a * b, 1);

// out[m * N + n] = bias[m] + sum_k A[m * K + k] * B[n * K + k]: every layer with weights
// comes down to this. Blocks of 4 x 2 outputs share their loads (4x faster in V8 than one
// dot product at a time, measured); the edges fall back to 4 x 1 and 1 x 4 blocks.
function gemm(A, B, out, M, N, K, bias) {
  let m = 0;
  for (; m + 4 <= M; m += 4) {
    const a0 = m * K, a1 = a0 + K, a2 = a1 + K, a3 = a2 + K;
    const c0 = bias ? bias[m] : 0, c1 = bias ? bias[m + 1] : 0;
    const c2 = bias ? bias[m + 2] : 0, c3 = bias ? bias[m + 3] : 0;
    let n = 0;
    for (; n + 2 <= N; n += 2) {
      const b0 = n * K, b1 = b0 + K;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
      for (let k = 0; k < K; k++) {
        const u = B[b0 + k], v = B[b1 + k];
        let w = A[a0 + k]; s00 += w * u; s01 += w * v;
        w = A[a1 + k]; s10 += w * u; s11 += w * v;
        w = A[a2 + k]; s20 += w * u; s21 += w * v;
        w = A[a3 + k]; s30 += w * u; s31 += w * v;
      }
      const o = m * N + n;
      out[o] = s00 + c0; out[o + 1] = s01 + c0; out[o + N] = s10 + c1; out[o + N + 1] = s11 + c1;
      out[o + 2 * N] = s20 + c2; out[o + 2 * N + 1] = s21 + c2;
      out[o + 3 * N] = s30 + c3; out[o + 3 * N + 1] = s31 + c3;
    }
    if (n < N) {
      const b0 = n * K;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < K; k++) {
        const u = B[b0 + k];
        s0 += A[a0 + k] * u; s1 += A[a1 + k] * u; s2 += A[a2 + k] * u; s3 += A[a3 + k] * u;
      }
      const o = m * N + n;
      out[o] = s0 + c0; out[o + N] = s1 + c1; out[o + 2 * N] = s2 + c2; out[o + 3 * N] = s3 + c3;
    }
  }
  for (; m < M; m++) {
    const a0 = m * K, c = bias ? bias[m] : 0;
    let n = 0;
    for (; n + 4 <= N; n += 4) {
      const b0 = n * K, b1 = b0 + K, b2 = b1 + K, b3 = b2 + K;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < K; k++) {
        const w = A[a0 + k];
        s0 += w * B[b0 + k]; s1 += w * B[b1 + k]; s2 += w * B[b2 + k]; s3 += w * B[b3 + k];
      }
      const o = m * N + n;
      out[o] = s0 + c; out[o + 1] = s1 + c; out[o + 2] = s2 + c; out[o + 3] = s3 + c;
    }
    for (; n < N; n++) {
      const b0 = n * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += A[a0 + k] * B[b0 + k];
      out[m * N + n] = s + c;
    }
  }
}

function linear(L, W, B) {
  const out = new Float32Array(L.out);
  return (x) => { gemm(W, x, out, L.out, 1, L.in, B); return out; };
}

// convolution: gather each output pixel's receptive field into a row (zeros where the
// kernel hangs over the border; positions precomputed), then one gemm with the weights
function conv2d(L, Wt, B) {
  const [C, H, Wd] = L.in_shape, [O, OH, OW] = L.shape, [KH, KW] = L.k;
  const [SH, SW] = L.stride, [PH, PW] = L.pad, K = C * KH * KW, OHW = OH * OW;
  const index = new Int32Array(OHW * K), cols = new Float32Array(OHW * K);
  const out = new Float32Array(O * OHW);
  for (let oy = 0, i = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) {
    for (let c = 0; c < C; c++) for (let ky = 0; ky < KH; ky++) for (let kx = 0; kx < KW; kx++, i++) {
      const iy = oy * SH - PH + ky, ix = ox * SW - PW + kx;
      index[i] = iy >= 0 && iy < H && ix >= 0 && ix < Wd ? (c * H + iy) * Wd + ix : -1;
    }
  }
  const n = index.length;
  return (x) => {
    for (let i = 0; i < n; i++) { const j = index[i]; cols[i] = j >= 0 ? x[j] : 0; }
    gemm(Wt, cols, out, O, OHW, K, B);
    return out;
  };
}

// transposed convolution: cols[(o, ky, kx), p] = sum_c W[c, (o, ky, kx)] * x[c, p] over
// input pixels p (one gemm), then each entry is added at its output position (col2im)
function convTranspose2d(L, Wt, B) {
  const [C, H, Wd] = L.in_shape, [O, OH, OW] = L.shape, [KH, KW] = L.k;
  const [SH, SW] = L.stride, [PH, PW] = L.pad, HW = H * Wd, OHW = OH * OW, R = O * KH * KW;
  const WT = new Float32Array(R * C), xT = new Float32Array(HW * C);
  for (let c = 0; c < C; c++) for (let r = 0; r < R; r++) WT[r * C + c] = Wt[c * R + r];
  const cols = new Float32Array(R * HW), out = new Float32Array(O * OHW);
  // input rows/cols that kernel offset k sends inside the output: 0 <= i*s - p + k < outN
  const ry = [], rx = [];
  for (let k = 0; k < KH; k++) {
    ry.push([Math.max(0, Math.ceil((PH - k) / SH)), Math.min(H, Math.floor((OH - 1 + PH - k) / SH) + 1)]);
  }
  for (let k = 0; k < KW; k++) {
    rx.push([Math.max(0, Math.ceil((PW - k) / SW)), Math.min(Wd, Math.floor((OW - 1 + PW - k) / SW) + 1)]);
  }
  return (x) => {
    for (let c = 0; c < C; c++) for (let p = 0; p < HW; p++) xT[p * C + c] = x[c * HW + p];
    gemm(WT, xT, cols, R, HW, C, null);
    for (let o = 0; o < O; o++) out.fill(B[o], o * OHW, (o + 1) * OHW);
    for (let o = 0, r = 0; o < O; o++) {
      for (let ky = 0; ky < KH; ky++) {
        const y0 = ry[ky][0], y1 = ry[ky][1];
        for (let kx = 0; kx < KW; kx++, r++) {
          const x0 = rx[kx][0], x1 = rx[kx][1];
          for (let iy = y0; iy < y1; iy++) {
            const ro = o * OHW + (iy * SH - PH + ky) * OW - PW + kx, ci = r * HW + iy * Wd;
            for (let ix = x0; ix < x1; ix++) out[ro + ix * SW] += cols[ci + ix];
          }
        }
      }
    }
    return out;
  };
}

// pixel shuffle and nearest upsampling only move values: precompute where each comes from
function gather(index) {
  const n = index.length, out = new Float32Array(n);
  return (x) => {
    for (let i = 0; i < n; i++) out[i] = x[index[i]];
    return out;
  };
}

function pixelShuffleIndex(L) {
  const [C, OH, OW] = L.shape, r = L.r, H = OH / r, W = OW / r, index = new Int32Array(C * OH * OW);
  for (let c = 0; c < C; c++) for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) {
    const src = (c * r * r + (oy % r) * r + (ox % r)) * H * W + Math.floor(oy / r) * W + Math.floor(ox / r);
    index[(c * OH + oy) * OW + ox] = src;
  }
  return index;
}

function upsampleIndex(L) {
  const [C, OH, OW] = L.shape, s = L.scale, H = OH / s, W = OW / s, index = new Int32Array(C * OH * OW);
  for (let c = 0; c < C; c++) for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) {
    index[(c * OH + oy) * OW + ox] = (c * H + Math.floor(oy / s)) * W + Math.floor(ox / s);
  }
  return index;
}

function inPlace(n, f) {
  return (x) => { for (let i = 0; i < n; i++) x[i] = f(x[i]); return x; };
}

function affine(L, scale, shift) {
  const C = L.shape[0], n = prod(L.shape), plane = n / C;
  return (x) => {
    for (let c = 0, i = 0; c < C; c++) {
      const a = scale[c], b = shift[c];
      for (let j = 0; j < plane; j++, i++) x[i] = x[i] * a + b;
    }
    return x;
  };
}

/** A runnable network: write one sample into `input`, call run(), read the returned array. */
export function compileNet(spec, weights) {
  const ref = (r) => weights.subarray(r[0], r[0] + r[1]);
  const steps = [];
  for (const L of spec.layers) {
    const n = prod(L.shape);
    switch (L.op) {
      case "linear": steps.push(linear(L, ref(L.w), ref(L.b))); break;
      case "conv2d": steps.push(conv2d(L, ref(L.w), ref(L.b))); break;
      case "conv_transpose2d": steps.push(convTranspose2d(L, ref(L.w), ref(L.b))); break;
      case "relu": steps.push(inPlace(n, (v) => (v > 0 ? v : 0))); break;
      case "silu": steps.push(inPlace(n, (v) => v / (1 + Math.exp(-v)))); break;
      case "leaky_relu": { const a = L.slope; steps.push(inPlace(n, (v) => (v > 0 ? v : v * a))); break; }
      case "reshape": break;
      case "pixel_shuffle": steps.push(gather(pixelShuffleIndex(L))); break;
      case "upsample": steps.push(gather(upsampleIndex(L))); break;
      case "affine": steps.push(affine(L, ref(L.scale), ref(L.shift))); break;
      case "add": { const b = ref(L.b); steps.push((x) => { for (let i = 0; i < n; i++) x[i] += b[i]; return x; }); break; }
      default: throw new Error(`unknown layer ${L.op}`);
    }
  }
  const input = new Float32Array(prod(spec.in_shape));
  return {
    input, outShape: spec.out_shape,
    run() {
      let h = input;
      for (let i = 0; i < steps.length; i++) h = steps[i](h);
      return h;
    },
  };
}

/** Header, networks and points of a bundle written by explorer.export.bundle. */
export function parseBundle(buffer) {
  const u8 = new Uint8Array(buffer);
  if (String.fromCharCode(u8[0], u8[1], u8[2], u8[3]) !== "LXP1") throw new Error("not a latent pad bundle");
  const n = new DataView(buffer).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(u8.subarray(8, 8 + n)));
  const body = 8 + n;
  const net = (spec) => spec && compileNet(spec, new Float32Array(buffer, body + spec.weights[0], spec.weights[1]));
  const out = { header, decoder: net(header.decoder), encoder: net(header.encoder), bytes: buffer.byteLength };
  const p = header.points;
  if (p) {
    const xy = new Int16Array(buffer, body + p.xy, 2 * p.n), labels = new Uint8Array(buffer, body + p.labels, p.n);
    const z = new Float32Array(2 * p.n);
    for (let i = 0; i < 2 * p.n; i++) z[i] = xy[i] / p.scale;
    out.points = { n: p.n, z, labels };
  }
  return out;
}

// ---------------------------------------------------------------- z as text

export function formatZ(z) {
  return `z = (${z[0].toFixed(2)}, ${z[1].toFixed(2)})`;
}

/** Two numbers from any text ("z = (0.53, -1.20)", "0.5 -1.2", "z[0]=1, z[1]=2"). */
export function parseZ(text) {
  const t = String(text).slice(0, 500).replace(/\u2212/g, "-")
    .replace(/z\s*\[\s*[01]\s*\]|z_?[01](?![\d.])/gi, " ");
  const nums = t.match(/[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/gi) || [];
  if (nums.length !== 2) {
    return { error: nums.length < 2 ? "Paste two numbers, e.g. z = (0.53, -1.20)"
      : `Found ${nums.length} numbers; paste just two, e.g. z = (0.53, -1.20)` };
  }
  const z = nums.map(Number);
  if (!z.every(Number.isFinite)) return { error: "Those numbers are not finite" };
  return { z };
}

// ---------------------------------------------------------------- loading, cached per page

const BUNDLES = new Map(); // bundle id -> Promise<parsed bundle>

function base64ToBuffer(b64) {
  const s = atob(b64), u8 = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) u8[i] = s.charCodeAt(i);
  return u8.buffer;
}

function loadBundle(data) {
  let p = BUNDLES.get(data.bundle);
  if (!p) {
    const raw = data.src
      ? fetch(new URL(data.src, document.baseURI)).then((r) => {
        if (!r.ok) throw new Error(`${r.status} ${r.statusText} for ${data.src}`);
        return r.arrayBuffer();
      })
      : Promise.resolve().then(() => base64ToBuffer(data.inline));
    p = raw.then(parseBundle);
    p.catch(() => BUNDLES.delete(data.bundle)); // let a later render retry
    BUNDLES.set(data.bundle, p);
    while (BUNDLES.size > KEEP_BUNDLES) BUNDLES.delete(BUNDLES.keys().next().value);
  }
  return p;
}

// ---------------------------------------------------------------- the pad

const round2 = (v) => Math.round(v * 100) / 100;
const sameZ = (a, b) => !!a && !!b && round2(a[0]) === round2(b[0]) && round2(a[1]) === round2(b[1]);
const RING = 2000; // samples kept for the benchmarks

const HTML = `
<div class="lp-col">
  <div class="lp-pad" tabindex="0" role="application" aria-roledescription="latent pad"
       aria-label="Latent plane. Hover or drag to preview; arrow keys move z (Shift for bigger steps); Ctrl+C copies z, Ctrl+V pastes it.">
    <canvas class="lp-base" aria-hidden="true"></canvas><canvas class="lp-over" aria-hidden="true"></canvas>
  </div>
  <div class="lp-readout">
    <span class="lp-z">z = (0.00, 0.00)</span>
    <button type="button" class="lp-copy" title="Copy z to the clipboard">copy</button>
    <span class="lp-msg" role="status" aria-live="polite"></span>
  </div>
</div>
<figure class="lp-fig">
  <canvas class="lp-preview" role="img" aria-label="decoded digit"></canvas>
  <figcaption class="lp-cap">loading the decoder …</figcaption>
</figure>`;

class Pad {
  constructor(parent) {
    this.root = document.createElement("div");
    this.root.className = "lp";
    this.root.innerHTML = HTML;
    parent.appendChild(this.root);
    const $ = (s) => this.root.querySelector(s);
    Object.assign(this, {
      pad: $(".lp-pad"), base: $(".lp-base"), over: $(".lp-over"), preview: $(".lp-preview"),
      zText: $(".lp-z"), msg: $(".lp-msg"), cap: $(".lp-cap"), copyBtn: $(".lp-copy"),
    });
    this.lim = 4;
    this.current = [0, 0]; // the committed z: marker, keyboard, what Python gets
    this.view = [0, 0]; // the z shown in the preview (differs while hovering)
    this.committed = [0, 0]; // where a cancelled drag returns to
    this.dataZ = null; // the last z Python sent
    this.reported = null; // the last value sent with setStateValue
    this.pending = null; // a reported z that Python has not sent back yet
    this.seq = 0;
    this.dragging = false; this.hovering = false; this.nudging = false;
    this.bundle = null; this.bundleId = null; this.error = null;
    this.raf = 0; this.eventT = null; this.decodeMs = 0;
    this.decoded = [NaN, NaN]; // the z the preview shows
    this.small = document.createElement("canvas");
    this.small.width = this.small.height = 28;
    this.smallCtx = this.small.getContext("2d");
    this.img = this.smallCtx.createImageData(28, 28);
    // what tests and benchmarks read (window.__latentPad[key])
    this.stats = { previews: 0, frames: 0, decodes: 0, decodeMs: [], latencyMs: [], nextFrameMs: [],
      ready: false, bytes: 0, reported: null, errors: [] };
    Object.defineProperty(this.stats, "z", { get: () => this.current, enumerable: true });
    Object.defineProperty(this.stats, "view", { get: () => this.view, enumerable: true });
    this.listen();
  }

  // ------------------------------------------------------------ updates from Python
  update(data, setStateValue) {
    this.setStateValue = setStateValue;
    this.id = data.id || "latent_pad";
    (window.__latentPad = window.__latentPad || {})[this.id] = this.stats;
    const limChanged = data.lim && data.lim !== this.lim;
    if (data.lim) this.lim = data.lim;
    const z = Array.isArray(data.z) ? data.z.map(Number) : null;
    if (z && !sameZ(z, this.dataZ)) {
      this.dataZ = z;
      // the echo of our own report changes nothing; a new z from Python moves the marker
      const echo = this.pending && sameZ(z, this.pending);
      this.pending = null;
      if (!echo && !this.dragging && !this.nudging) {
        this.current = z.slice(); this.committed = z.slice();
        if (!this.hovering) this.view = z.slice();
        this.schedule();
      }
    }
    if (data.bundle !== this.bundleId) {
      this.bundleId = data.bundle;
      this.error = null;
      loadBundle(data).then((b) => {
        if (this.bundleId !== data.bundle) return;
        const [, h, w] = b.decoder.outShape;
        if (this.small.width !== w || this.small.height !== h) {
          this.small.width = w; this.small.height = h;
          this.img = this.smallCtx.createImageData(w, h);
        }
        this.bundle = b; this.decoded[0] = NaN;
        Object.assign(this.stats, { ready: true, bytes: b.bytes });
        this.drawBase(); this.schedule();
      }, (e) => {
        if (this.bundleId !== data.bundle) return;
        this.error = e; this.bundleId = null; // the next render tries again
        this.stats.errors.push(String(e));
        this.cap.textContent = `could not load the decoder (${e.message})`;
      });
    }
    if (limChanged) this.resize();
    if (!this.sized) this.resize();
  }

  // ------------------------------------------------------------ geometry and drawing
  resize() {
    const dpr = window.devicePixelRatio || 1, w = this.pad.clientWidth;
    if (!w) return;
    this.sized = true;
    this.S = Math.max(80, w - M.left - M.right);
    const h = this.S + M.top + M.bottom;
    if (this.pad.style.height !== `${h}px`) this.pad.style.height = `${h}px`;
    for (const c of [this.base, this.over]) {
      c.width = Math.round(w * dpr); c.height = Math.round(h * dpr);
    }
    const pw = this.preview.clientWidth || 280;
    this.preview.width = this.preview.height = Math.round(pw * dpr);
    this.dpr = dpr; this.w = w; this.h = h;
    this.drawBase();
    this.decoded[0] = NaN; // repaint the preview at the new size
    this.schedule();
  }

  X(z) { return M.left + ((z + this.lim) / (2 * this.lim)) * this.S; }
  Y(z) { return M.top + ((this.lim - z) / (2 * this.lim)) * this.S; }

  drawBase() {
    if (!this.sized) return;
    const ctx = this.base.getContext("2d"), S = this.S, lim = this.lim;
    const style = getComputedStyle(this.root), font = style.fontFamily || "sans-serif";
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, this.w, this.h);
    ctx.fillStyle = "#fff";
    ctx.fillRect(M.left, M.top, S, S);
    const step = lim <= 5 ? 1 : 2, ticks = [];
    for (let t = Math.ceil(-lim / step) * step; t <= lim + 1e-9; t += step) ticks.push(t);
    ctx.lineWidth = 1;
    for (const t of ticks) {
      ctx.strokeStyle = t === 0 ? "#ccc" : "#eee";
      ctx.beginPath();
      ctx.moveTo(this.X(t), M.top); ctx.lineTo(this.X(t), M.top + S);
      ctx.moveTo(M.left, this.Y(t)); ctx.lineTo(M.left + S, this.Y(t));
      ctx.stroke();
    }
    const pts = this.bundle && this.bundle.points;
    if (pts) {
      const r = Math.max(1, S / 320) * 1.3;
      ctx.save();
      ctx.beginPath(); ctx.rect(M.left, M.top, S, S); ctx.clip();
      ctx.globalAlpha = 0.35;
      for (let c = 0; c < 10; c++) {
        ctx.fillStyle = PALETTE[c];
        ctx.beginPath();
        for (let i = 0; i < pts.n; i++) {
          if (pts.labels[i] % 10 !== c) continue;
          const x = this.X(pts.z[2 * i]), y = this.Y(pts.z[2 * i + 1]);
          ctx.moveTo(x + r, y); ctx.arc(x, y, r, 0, 2 * Math.PI);
        }
        ctx.fill();
      }
      ctx.restore();
    }
    ctx.strokeStyle = "#bbb";
    ctx.strokeRect(M.left + 0.5, M.top + 0.5, S - 1, S - 1);
    ctx.fillStyle = style.color || "#31333f";
    ctx.font = `12px ${font}`;
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (const t of ticks) ctx.fillText(String(t), this.X(t), M.top + S + 5);
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (const t of ticks) ctx.fillText(String(t), M.left - 6, this.Y(t));
    ctx.font = `13px ${font}`;
    ctx.textAlign = "center"; ctx.textBaseline = "bottom";
    ctx.fillText("z[0]", M.left + S / 2, this.h - 2);
    ctx.save();
    ctx.translate(13, M.top + S / 2); ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "middle"; ctx.fillText("z[1]", 0, 0);
    ctx.restore();
  }

  drawOverlay() {
    const ctx = this.over.getContext("2d");
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, this.w, this.h);
    if (this.hovering && !this.dragging) {
      ctx.strokeStyle = PALETTE[0]; ctx.lineWidth = 2;
      ctx.beginPath(); ctx.arc(this.X(this.view[0]), this.Y(this.view[1]), 7, 0, 2 * Math.PI); ctx.stroke();
    }
    const x = this.X(this.current[0]), y = this.Y(this.current[1]);
    ctx.lineCap = "round";
    cross(ctx, x, y, "#fff", 5); // a halo keeps the marker visible over the dots
    cross(ctx, x, y, MARKER, 2.5);
  }

  paintPreview(logits) {
    const d = this.img.data, n = d.length / 4;
    let hash = 2166136261;
    for (let i = 0, j = 0; i < n; i++, j += 4) {
      const v = Math.round(255 - 255 / (1 + Math.exp(-logits[i]))); // dark ink on white
      d[j] = d[j + 1] = d[j + 2] = v; d[j + 3] = 255;
      hash = Math.imul(hash ^ v, 16777619);
    }
    this.smallCtx.putImageData(this.img, 0, 0);
    const ctx = this.preview.getContext("2d");
    ctx.imageSmoothingEnabled = true; ctx.imageSmoothingQuality = "high";
    ctx.drawImage(this.small, 0, 0, this.preview.width, this.preview.height);
    if (hash !== this.stats.hash) { this.stats.hash = hash; this.stats.previews++; }
  }

  schedule(eventTime) {
    if (eventTime !== undefined && this.eventT === null) this.eventT = eventTime;
    if (!this.raf) this.raf = requestAnimationFrame(() => this.frame());
  }

  frame() {
    this.raf = 0;
    if (!this.sized) this.resize();
    if (!this.sized) return;
    this.stats.frames++;
    this.drawOverlay();
    const text = formatZ(this.current); // the marker's z; the caption names the previewed one
    if (this.zText.textContent !== text) this.zText.textContent = text;
    const net = this.bundle && this.bundle.decoder, d = this.decoded;
    if (net && !(d[0] === this.view[0] && d[1] === this.view[1])) {
      const t0 = performance.now();
      net.input[0] = this.view[0]; net.input[1] = this.view[1];
      const logits = net.run();
      this.decodeMs = performance.now() - t0;
      this.paintPreview(logits);
      d[0] = this.view[0]; d[1] = this.view[1];
      this.stats.decodes++;
      push(this.stats.decodeMs, this.decodeMs);
    }
    if (net) {
      const where = this.hovering && !this.dragging ? " (pointer)" : "";
      const cap = `${formatZ(this.view)}${where} · decoded here in ${this.decodeMs.toFixed(1)} ms`;
      if (this.cap.textContent !== cap) this.cap.textContent = cap;
    }
    if (this.eventT !== null) {
      const t = this.eventT;
      push(this.stats.latencyMs, performance.now() - t);
      requestAnimationFrame(() => push(this.stats.nextFrameMs, performance.now() - t));
      this.eventT = null;
    }
  }

  // ------------------------------------------------------------ input
  zAt(e) {
    const r = this.pad.getBoundingClientRect();
    const u = (e.clientX - r.left - M.left) / this.S, v = (e.clientY - r.top - M.top) / this.S;
    return { z: [(2 * u - 1) * this.lim, (1 - 2 * v) * this.lim], inside: u >= 0 && u <= 1 && v >= 0 && v <= 1 };
  }

  clamp(z) {
    const c = (v) => Math.min(this.lim, Math.max(-this.lim, v));
    return [c(z[0]), c(z[1])];
  }

  commit() {
    const z = [round2(this.current[0]), round2(this.current[1])];
    this.current = z.slice(); this.committed = z.slice();
    if (!this.hovering) this.view = z.slice();
    this.schedule();
    if (!this.pending && sameZ(z, this.dataZ)) return; // Python has it already
    // an unchanged state value would not reach Python's callback: tag a repeat with a counter
    const value = this.reported && sameZ(z, this.reported) ? [z[0], z[1], ++this.seq] : z;
    this.reported = value; this.pending = z; this.stats.reported = value;
    if (this.setStateValue) this.setStateValue("z", value);
  }

  say(text, isError = false) {
    this.msg.textContent = text;
    this.msg.classList.toggle("lp-error", isError);
    clearTimeout(this.msgTimer);
    this.msgTimer = setTimeout(() => { this.msg.textContent = ""; }, isError ? 4000 : 1500);
  }

  copy() {
    const text = formatZ(this.current);
    let done = false;
    const onCopy = (ev) => { ev.clipboardData.setData("text/plain", text); ev.preventDefault(); done = true; };
    document.addEventListener("copy", onCopy, true);
    try { document.execCommand("copy"); } catch (_) { /* older browsers: fall through */ }
    document.removeEventListener("copy", onCopy, true);
    if (!done && navigator.clipboard) navigator.clipboard.writeText(text).catch(() => {});
    this.stats.copied = text;
    this.say("copied");
  }

  paste(text) {
    const r = parseZ(text);
    if (r.error) { this.say(r.error, true); return; }
    const z = this.clamp(r.z);
    this.current = z.slice(); this.view = z.slice();
    this.commit();
    this.say(z[0] !== r.z[0] || z[1] !== r.z[1] ? `clipped to ±${this.lim}` : "pasted");
  }

  listen() {
    const pad = this.pad, on = (el, type, f, opts) => el.addEventListener(type, f, opts);
    on(pad, "pointerdown", (e) => {
      if (e.button !== 0) return;
      const { z } = this.zAt(e);
      this.dragging = true; this.hovering = false;
      pad.setPointerCapture(e.pointerId);
      pad.focus({ preventScroll: true, focusVisible: false });
      this.current = this.clamp(z); this.view = this.current.slice();
      this.schedule(e.timeStamp);
      e.preventDefault();
    });
    on(pad, "pointermove", (e) => {
      const { z, inside } = this.zAt(e);
      if (this.dragging) {
        this.current = this.clamp(z); this.view = this.current.slice();
      } else if (inside && e.pointerType !== "touch") {
        this.hovering = true; this.view = z;
      } else if (this.hovering) {
        this.hovering = false; this.view = this.current.slice();
      } else return;
      this.schedule(e.timeStamp);
    });
    const end = (e, keep) => {
      if (!this.dragging) return;
      this.dragging = false;
      if (pad.hasPointerCapture(e.pointerId)) pad.releasePointerCapture(e.pointerId);
      if (keep) {
        const { z, inside } = this.zAt(e);
        this.current = this.clamp(z);
        this.hovering = false;
        this.commit();
        this.hovering = inside && e.pointerType !== "touch";
      } else {
        this.current = this.committed.slice(); this.view = this.current.slice(); this.schedule();
      }
    };
    on(pad, "pointerup", (e) => end(e, true));
    on(pad, "pointercancel", (e) => end(e, false));
    on(pad, "pointerleave", () => {
      if (this.dragging || !this.hovering) return;
      this.hovering = false; this.view = this.current.slice(); this.schedule();
    });
    const ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
    on(pad, "keydown", (e) => {
      const mod = e.ctrlKey || e.metaKey;
      if (mod && (e.key === "c" || e.key === "C")) { e.preventDefault(); this.copy(); return; }
      if (e.key === "Escape" && this.dragging) {
        this.dragging = false;
        this.current = this.committed.slice(); this.view = this.current.slice(); this.schedule();
        return;
      }
      const d = ARROWS[e.key];
      if (!d || mod || e.altKey) return;
      e.preventDefault();
      const step = e.shiftKey ? BIG_STEP : STEP;
      this.nudging = true; this.hovering = false;
      this.current = this.clamp([round2(this.current[0] + d[0] * step), round2(this.current[1] + d[1] * step)]);
      this.view = this.current.slice();
      this.schedule(e.timeStamp);
    });
    on(pad, "keyup", (e) => {
      if (!ARROWS[e.key] || !this.nudging) return;
      this.nudging = false;
      this.commit();
    });
    on(pad, "blur", () => { if (this.nudging) { this.nudging = false; this.commit(); } });
    // a paste targets the focused element, or the body where an element is not editable
    this.onPaste = (e) => {
      if (e.__latentPad || !(e.target === pad || this.root.getRootNode().activeElement === pad)) return;
      e.__latentPad = true;
      e.preventDefault();
      this.paste(e.clipboardData ? e.clipboardData.getData("text") : "");
    };
    on(pad, "paste", this.onPaste);
    document.addEventListener("paste", this.onPaste);
    on(this.copyBtn, "click", () => this.copy());
    this.ro = new ResizeObserver(() => {
      const previewPx = Math.round((this.preview.clientWidth || 280) * (window.devicePixelRatio || 1));
      if (this.pad.clientWidth !== this.w || previewPx !== this.preview.width) this.resize();
    });
    this.ro.observe(this.pad); this.ro.observe(this.preview);
    this.watchDpr();
  }

  watchDpr() {
    const mq = matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
    const f = () => { this.resize(); this.watchDpr(); };
    mq.addEventListener("change", f, { once: true });
    this.unwatchDpr = () => mq.removeEventListener("change", f);
  }

  destroy() {
    cancelAnimationFrame(this.raf);
    this.ro.disconnect();
    this.unwatchDpr();
    document.removeEventListener("paste", this.onPaste);
    this.root.remove();
    if (window.__latentPad && window.__latentPad[this.id] === this.stats) delete window.__latentPad[this.id];
  }
}

function cross(ctx, x, y, color, width, a = 6) {
  ctx.strokeStyle = color; ctx.lineWidth = width;
  ctx.beginPath();
  ctx.moveTo(x - a, y - a); ctx.lineTo(x + a, y + a);
  ctx.moveTo(x - a, y + a); ctx.lineTo(x + a, y - a);
  ctx.stroke();
}

function push(ring, v) {
  ring.push(v);
  if (ring.length > RING) ring.splice(0, ring.length - RING);
}

const PADS = new WeakMap(); // parentElement -> Pad

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  let pad = PADS.get(parentElement);
  if (!pad) {
    pad = new Pad(parentElement);
    PADS.set(parentElement, pad);
  }
  pad.update(data || {}, setStateValue);
  // Streamlit runs the cleanup that the last call returned when the element unmounts, and
  // may run a superseded call's cleanup while it is still mounted: destroy only when gone
  return () => setTimeout(() => {
    if (parentElement.isConnected || PADS.get(parentElement) !== pad) return;
    PADS.delete(parentElement);
    pad.destroy();
  }, 0);
}
