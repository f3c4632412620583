// Pictures and words that the page's views share (view.js, walk.js): logits or
// probabilities as dark ink on white, values as a heat map, a data: URI into a canvas, and a
// view's texts said again with another noun; and the benchmarks' hook.

/** The one canvas a w x h picture is made in before it is scaled. */
function scratch(w, h) {
  const c = scratch.c || (scratch.c = document.createElement("canvas"));
  c.width = w; c.height = h;
  return c;
}

function draw(canvas, src, smooth) {
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = smooth;
  if (smooth) ctx.imageSmoothingQuality = "high";
  ctx.drawImage(src, 0, 0, canvas.width, canvas.height);
}

/** The canvas, made square at its CSS width in device pixels (112 before it is laid out). */
export function fit(canvas) {
  const px = Math.round((canvas.clientWidth || 112) * (window.devicePixelRatio || 1));
  if (canvas.width !== px) canvas.width = canvas.height = px;
  return canvas;
}

/** Logits (or probabilities with `probs`), w x h, as dark ink on white, scaled smoothly to
 *  the canvas; returns a hash of the grey levels (what the benchmarks count as a new one). */
export function paint(canvas, values, w, h, probs = false) {
  const s = scratch(w, h), img = s.getContext("2d").createImageData(w, h), d = img.data;
  let hash = 2166136261;
  for (let i = 0, j = 0; i < w * h; i++, j += 4) {
    const p = probs ? values[i] : 1 / (1 + Math.exp(-values[i]));
    const v = Math.round(255 - 255 * p);
    d[j] = d[j + 1] = d[j + 2] = v; d[j + 3] = 255;
    hash = Math.imul(hash ^ v, 16777619);
  }
  s.getContext("2d").putImageData(img, 0, 0);
  draw(canvas, s, true);
  return hash;
}

/** Values w x h from 0 to `top` (and over) through the palette's RGB colours, unsmoothed. */
export function paintHeat(canvas, values, w, h, palette, top) {
  const s = scratch(w, h), img = s.getContext("2d").createImageData(w, h), last = palette.length - 1;
  for (let i = 0, j = 0; i < w * h; i++, j += 4) {
    const t = Math.min(1, Math.max(0, values[i] / top)) * last, k = Math.min(Math.floor(t), last - 1);
    for (let c = 0; c < 3; c++) img.data[j + c] = Math.round(palette[k][c] + (palette[k + 1][c] - palette[k][c]) * (t - k));
    img.data[j + 3] = 255;
  }
  s.getContext("2d").putImageData(img, 0, 0);
  draw(canvas, s, false);
}

/** A picture from a URI (the server's, where the page cannot decode), scaled smoothly. */
export function drawUri(canvas, uri) {
  const img = new Image();
  img.onload = () => draw(canvas, img, true);
  img.src = uri;
}

/** Each [selector, attribute (null: the text), text] under root, set where it is found. */
export function relabel(root, items) {
  for (const [sel, attr, text] of items) {
    const e = root.querySelector(sel);
    if (e && attr) e.setAttribute(attr, text);
    else if (e) e.textContent = text;
  }
}

/** Benchmarks only (window.__lxBench): the view's stats, kept where the benchmark reads
 *  them (window.__lxStats[id]); null otherwise. */
export function benchStats(id, stats) {
  if (!window.__lxBench) return null;
  (window.__lxStats = window.__lxStats || {})[id] = stats;
  return stats;
}
