// A square view of the latent plane on two stacked canvases: the base (axes, ticks, the
// encoded test digits) drawn when the view or the points change, and the overlay (markers)
// drawn every frame something moves. The pad and the scatter are both planes; the view box
// keeps equal units on both axes, so distances look the same in every direction.

export const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
  "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]; // Tableau 10, as explorer/media/__init__.py
export const MARKER = "#111111";
export const ACCENT = "#e15759";

const NICE = [1, 2, 2.5, 5, 10]; // tick steps, times a power of ten

/** About most/2 to `most` round tick values across [lo, hi], at any scale. */
export function ticks(lo, hi, most = 9) {
  const span = hi - lo;
  if (!(span > 0) || !Number.isFinite(span)) return [];
  const power = 10 ** Math.floor(Math.log10(span / most));
  const step = NICE.map((m) => m * power).find((s) => span / s <= most);
  const out = [], tiny = step * 1e-6;
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + tiny; k++) {
    const t = k * step;
    out.push(Math.abs(t) < tiny ? 0 : +t.toPrecision(6));
  }
  return out;
}

export class Plane {
  /** host: an element the canvases fill; margin: CSS px around the square plot area. */
  constructor(host, margin = { left: 40, right: 10, top: 8, bottom: 34 }) {
    this.host = host;
    this.M = margin;
    this.base = document.createElement("canvas");
    this.over = document.createElement("canvas");
    for (const c of [this.base, this.over]) {
      c.setAttribute("aria-hidden", "true");
      host.appendChild(c);
    }
    this.box = [-4, 4, -4, 4]; // x0, x1, y0, y1 in z units
    this.points = null; // {n, z, labels}
    this.hidden = new Set(); // classes not drawn
    this.style = { alpha: 0.6, radius: 2.2 };
    this.S = 0; this.w = 0; this.h = 0; this.dpr = 1;
  }

  /** Fit the plane to `width` CSS px (the plot area stays square); true if it changed. */
  resize(width) {
    const dpr = window.devicePixelRatio || 1, w = Math.max(120, Math.floor(width));
    if (w === this.w && dpr === this.dpr) return false;
    const M = this.M;
    this.S = w - M.left - M.right;
    this.w = w; this.h = this.S + M.top + M.bottom; this.dpr = dpr;
    this.host.style.height = `${this.h}px`;
    for (const c of [this.base, this.over]) {
      c.width = Math.round(this.w * dpr); c.height = Math.round(this.h * dpr);
    }
    return true;
  }

  setBox(x0, x1, y0, y1) {
    const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2, half = Math.max(x1 - x0, y1 - y0) / 2;
    this.box = [cx - half, cx + half, cy - half, cy + half];
  }

  span() { return this.box[1] - this.box[0]; }
  X(z) { return this.M.left + ((z - this.box[0]) / this.span()) * this.S; }
  Y(z) { return this.M.top + ((this.box[3] - z) / this.span()) * this.S; }

  /** {z, inside} for a pointer event's client position. */
  zAt(e) {
    const r = this.host.getBoundingClientRect();
    const u = (e.clientX - r.left - this.M.left) / this.S, v = (e.clientY - r.top - this.M.top) / this.S;
    return { z: [this.box[0] + u * this.span(), this.box[3] - v * this.span()],
      inside: u >= 0 && u <= 1 && v >= 0 && v <= 1, u, v };
  }

  /** Index of the drawn point nearest to the event within `px` CSS pixels, or -1. */
  nearest(e, px = 10) {
    const p = this.points;
    if (!p) return -1;
    const r = this.host.getBoundingClientRect(), x = e.clientX - r.left, y = e.clientY - r.top;
    let best = -1, bestD = px * px;
    for (let i = 0; i < p.n; i++) {
      if (this.hidden.has(p.labels[i])) continue;
      const dx = this.X(p.z[2 * i]) - x, dy = this.Y(p.z[2 * i + 1]) - y, d = dx * dx + dy * dy;
      if (d < bestD) { bestD = d; best = i; }
    }
    return best;
  }

  drawBase() {
    if (!this.S) return;
    const ctx = this.base.getContext("2d"), M = this.M, S = this.S;
    const style = getComputedStyle(this.host), font = style.fontFamily || "sans-serif";
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, this.w, this.h);
    ctx.fillStyle = "#fff";
    ctx.fillRect(M.left, M.top, S, S);
    const most = this.S < 320 ? 6 : 9; // a small plane: fewer labels, so they never touch
    const tx = ticks(this.box[0], this.box[1], most), ty = ticks(this.box[2], this.box[3], most);
    ctx.lineWidth = 1;
    for (const [list, vertical] of [[tx, true], [ty, false]]) {
      for (const t of list) {
        ctx.strokeStyle = t === 0 ? "#ccc" : "#eee";
        ctx.beginPath();
        if (vertical) { ctx.moveTo(this.X(t), M.top); ctx.lineTo(this.X(t), M.top + S); }
        else { ctx.moveTo(M.left, this.Y(t)); ctx.lineTo(M.left + S, this.Y(t)); }
        ctx.stroke();
      }
    }
    this.drawPoints(ctx);
    ctx.strokeStyle = "#bbb";
    ctx.strokeRect(M.left + 0.5, M.top + 0.5, S - 1, S - 1);
    ctx.fillStyle = style.color || "#31333f";
    ctx.font = `12px ${font}`;
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (const t of tx) ctx.fillText(String(t), this.X(t), M.top + S + 4);
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (const t of ty) ctx.fillText(String(t), M.left - 5, this.Y(t));
    ctx.font = `13px ${font}`;
    ctx.textAlign = "center"; ctx.textBaseline = "bottom";
    ctx.fillText("z[0]", M.left + S / 2, this.h - 1);
    ctx.save();
    ctx.translate(11, M.top + S / 2); ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "middle"; ctx.fillText("z[1]", 0, 0);
    ctx.restore();
  }

  drawPoints(ctx) {
    const p = this.points;
    if (!p) return;
    const M = this.M, r = this.style.radius;
    ctx.save();
    ctx.beginPath(); ctx.rect(M.left, M.top, this.S, this.S); ctx.clip();
    ctx.globalAlpha = this.style.alpha;
    for (let c = 0; c < PALETTE.length; c++) {
      if (this.hidden.has(c)) continue;
      ctx.fillStyle = PALETTE[c];
      ctx.beginPath();
      for (let i = 0; i < p.n; i++) {
        if (p.labels[i] % 10 !== c) continue;
        const x = this.X(p.z[2 * i]), y = this.Y(p.z[2 * i + 1]);
        ctx.moveTo(x + r, y); ctx.arc(x, y, r, 0, 2 * Math.PI);
      }
      ctx.fill();
    }
    ctx.restore();
  }

  /** The overlay's context, cleared and clipped to the plot area, ready for markers. */
  overlay() {
    const ctx = this.over.getContext("2d"), M = this.M;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, this.w, this.h);
    ctx.beginPath(); ctx.rect(M.left, M.top, this.S, this.S); ctx.clip();
    return ctx;
  }
}

/** An x-shaped cross with a white halo, visible over any dots. */
export function cross(ctx, x, y, a = 6) {
  ctx.lineCap = "round";
  for (const [color, width] of [["#fff", 5], [MARKER, 2.5]]) {
    ctx.strokeStyle = color; ctx.lineWidth = width;
    ctx.beginPath();
    ctx.moveTo(x - a, y - a); ctx.lineTo(x + a, y + a);
    ctx.moveTo(x - a, y + a); ctx.lineTo(x + a, y - a);
    ctx.stroke();
  }
}

export function ring(ctx, x, y, r = 8, color = ACCENT) {
  ctx.fillStyle = "rgba(225, 87, 89, 0.22)"; ctx.strokeStyle = color; ctx.lineWidth = 2.5;
  ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
}
