// The network runtime: runs a network written by explorer/page/network.py with Float32Array
// loops, and reads the page's data files (explorer/page/bundle.py's `pack`). Used by the Explore
// view in the app and in the share file, and by tests/js under Node. No DOM here.
//
// Every layer with weights comes down to one matrix product (gemm); all buffers are made
// when a network is compiled, so nothing is allocated per run.

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
      case "bound_mean": { // the means (first half) squashed to ±bound: b tanh(mu / b)
        const b = L.bound, half = n / 2;
        steps.push((x) => { for (let i = 0; i < half; i++) x[i] = b * Math.tanh(x[i] / b); return x; }); break;
      }
      case "clamp": { // x[from:] into [lo, hi] (the encoder's logvar, as model.encode has it)
        const { lo, hi } = L;
        steps.push((x) => { for (let i = L.from; i < n; i++) x[i] = Math.min(hi, Math.max(lo, x[i])); return x; }); break;
      }
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

// ---------------------------------------------------------------- the data file

/** IEEE half floats (as uint16) to float32: weights are stored as halves in share files. */
export function halfToFloat(u16) {
  const out = new Float32Array(u16.length);
  for (let i = 0; i < u16.length; i++) {
    const h = u16[i], sign = h & 0x8000 ? -1 : 1, e = (h >> 10) & 31, f = h & 1023;
    out[i] = e === 0 ? sign * f * 2 ** -24
      : e === 31 ? (f ? NaN : sign * Infinity) : sign * (1 + f / 1024) * 2 ** (e - 15);
  }
  return out;
}

function weightsOf(buffer, at, spec) {
  const [offset, count] = spec.weights;
  if (spec.dtype === "f2") return halfToFloat(new Uint16Array(buffer, at + offset, count));
  return new Float32Array(buffer, at + offset, count);
}

/** The header and parts of a file written by explorer.page.bundle.pack:
 *  {header, decoder, encoder (compiled networks or null), points: {n, z, labels} or null,
 *   digits: the still-compressed test digits or null (see unpackDigits), prior: {k, d, mu,
 *   logvar, logw} or null, bytes}. */
export function parseBundle(buffer) {
  const u8 = new Uint8Array(buffer);
  if (u8.length < 8 || String.fromCharCode(u8[0], u8[1], u8[2], u8[3]) !== "LXP1") {
    throw new Error("not a Latent Explorer data file");
  }
  const n = new DataView(buffer).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(u8.subarray(8, 8 + n)));
  const body = 8 + n;
  const net = (spec) => (spec ? compileNet(spec, weightsOf(buffer, body, spec)) : null);
  const out = { header, decoder: net(header.decoder), encoder: net(header.encoder),
    points: null, digits: null, prior: null, bytes: buffer.byteLength };
  const p = header.points;
  if (p) {
    const xy = new Int16Array(buffer, body + p.xy, 2 * p.n);
    const z = new Float32Array(2 * p.n);
    for (let i = 0; i < 2 * p.n; i++) z[i] = xy[i] / p.scale;
    out.points = { n: p.n, z, labels: new Uint8Array(buffer, body + p.labels, p.n) };
  }
  const d = header.digits;
  if (d) out.digits = { ...d, packed: new Uint8Array(buffer, body + d.offset, d.length) };
  const q = header.prior;  // p(z) as a mixture: means, log-variances (K x D), log weights (K)
  if (q) {
    const f = (at, n) => new Float32Array(buffer, body + at, n);
    out.prior = { k: q.k, d: q.d, mu: f(q.mu, q.k * q.d), logvar: f(q.logvar, q.k * q.d), logw: f(q.logw, q.k) };
  }
  return out;
}

/** The test digits of a parsed file as {n, h, w, levels, pixels: Uint8Array (n*h*w, 0 to
 *  levels - 1, 0 = paper)}: gzip-compressed in the file, inflated by the browser. */
export async function unpackDigits(digits) {
  if (!digits) return null;
  let bytes = digits.packed;
  if (digits.encoding === "gzip") {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  }
  if (bytes.length !== digits.n * digits.h * digits.w) throw new Error("test digits are damaged");
  return { n: digits.n, h: digits.h, w: digits.w, levels: digits.levels, pixels: bytes };
}

/** Standard base64 text to an ArrayBuffer (data embedded in a page). */
export function base64ToBuffer(b64) {
  const s = atob(b64), u8 = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) u8[i] = s.charCodeAt(i);
  return u8.buffer;
}
