// The scatter of the encoded test digits, coloured by label. Click (or tap) a point to see
// that digit beside its reconstruction; click between points to decode there. Drag to pan,
// scroll or use the buttons to zoom, click a class in the legend to hide or show it.

import { Plane, PALETTE, cross, ring } from "./plane.js";
import { REACH } from "./extent.js";

const CLICK_PX = 5; // a press that moves less than this is a click, not a pan
const MARKER_HOT = "#31333f"; // the ring around the point under the mouse

export class Scatter {
  constructor(parent, view) {
    this.view = view;
    parent.insertAdjacentHTML("beforeend", `
      <div class="lx-scatter" tabindex="-1"></div>
      <div class="lx-tip" role="tooltip" hidden></div>
      <div class="lx-scatter-bar">
        <div class="lx-legend" role="group" aria-label="classes shown"></div>
        <div class="lx-zoom" role="group" aria-label="zoom">
          <button type="button" class="lx-btn" data-zoom="0.5" aria-label="zoom in">+</button>
          <button type="button" class="lx-btn" data-zoom="2" aria-label="zoom out">&minus;</button>
          <button type="button" class="lx-btn" data-zoom="reset">reset</button>
        </div>
      </div>`);
    this.el = parent.querySelector(".lx-scatter");
    this.tip = parent.querySelector(".lx-tip");
    this.legend = parent.querySelector(".lx-legend");
    this.plane = new Plane(this.el, { left: 42, right: 10, top: 8, bottom: 36 });
    this.home = [-4, 4, -4, 4]; // the model's extent (view.setLim): where "reset" goes
    this.hot = -1; // the point under the mouse
    this.dirty = true;
    this.listen(parent);
  }

  /** The model's extent: the view opens (and resets) on the square of half-width lim. */
  setHome(lim) {
    this.lim = lim;
    this.home = [-lim, lim, -lim, lim];
    this.plane.setBox(...this.home);
    this.dirty = true;
  }

  /** Zoom out, if need be, so that the square of half-width `half` shows (z set there). */
  include(half) {
    const [x0, x1, y0, y1] = this.plane.box;
    if (x0 <= -half && x1 >= half && y0 <= -half && y1 >= half) return;
    this.plane.setBox(-half, half, -half, half);
    this.dirty = true;
  }

  /** The encoded test digits (each drawn where it lies, however far out) and the class
   *  names. */
  setPoints(points, classes) {
    const p = this.plane;
    p.points = points;
    this.legend.innerHTML = "";
    classes.forEach((name, c) => {
      if (!points.labels.includes(c)) return;
      const b = document.createElement("button");
      b.type = "button"; b.className = "lx-chip"; b.dataset.c = c;
      b.setAttribute("aria-pressed", "true");
      b.innerHTML = `<i style="background:${PALETTE[c % 10]}"></i>`;
      b.append(String(name));
      this.legend.appendChild(b);
    });
    this.dirty = true;
  }

  resize() {
    if (this.plane.resize(this.el.clientWidth)) this.dirty = true;
  }

  draw() {
    const p = this.plane, v = this.view;
    if (this.dirty) { p.drawBase(); this.dirty = false; }
    const ctx = p.overlay();
    if (this.hot >= 0) {
      ctx.strokeStyle = MARKER_HOT; ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(p.X(p.points.z[2 * this.hot]), p.Y(p.points.z[2 * this.hot + 1]), 6, 0, 2 * Math.PI);
      ctx.stroke();
    }
    if (v.selected !== null && p.points && v.selected < p.points.n) {
      ring(ctx, p.X(p.points.z[2 * v.selected]), p.Y(p.points.z[2 * v.selected + 1]));
    }
    cross(ctx, p.X(v.z[0]), p.Y(v.z[1]), 7);
  }

  zoom(factor, cx, cy) {
    const [x0, x1, y0, y1] = this.plane.box;
    const x = cx ?? (x0 + x1) / 2, y = cy ?? (y0 + y1) / 2;
    const lim = this.lim || 4, half = Math.min(REACH * lim, Math.max(lim / 100, ((x1 - x0) / 2) * factor));
    const fx = (x - x0) / (x1 - x0), fy = (y - y0) / (y1 - y0);
    this.plane.setBox(x - 2 * half * fx, x + 2 * half * (1 - fx), y - 2 * half * fy, y + 2 * half * (1 - fy));
    this.dirty = true;
    this.view.schedule();
  }

  showTip(e, i) {
    if (i !== this.hot) { this.hot = i; this.view.schedule(); }
    if (i < 0) { this.tip.hidden = true; return; }
    const p = this.plane.points, name = this.view.classes[p.labels[i]] ?? p.labels[i];
    this.tip.textContent = `${name} · test ${this.view.noun || "digit"} #${i} · z = (${p.z[2 * i].toFixed(2)}, ${p.z[2 * i + 1].toFixed(2)})`;
    const r = this.el.getBoundingClientRect();
    this.tip.style.left = `${e.clientX - r.left + 12}px`;
    this.tip.style.top = `${e.clientY - r.top + 12}px`;
    this.tip.hidden = false;
  }

  listen(parent) {
    const el = this.el, view = this.view, plane = this.plane;
    let press = null; // {x, y, box, moved, id}
    el.addEventListener("pointerdown", (e) => {
      if (e.button !== 0) return;
      press = { x: e.clientX, y: e.clientY, box: plane.box.slice(), moved: false, id: e.pointerId,
        mouse: e.pointerType === "mouse" };
      if (press.mouse) el.setPointerCapture(e.pointerId);
    });
    el.addEventListener("pointermove", (e) => {
      if (press && press.id === e.pointerId) {
        const dx = e.clientX - press.x, dy = e.clientY - press.y;
        if (Math.hypot(dx, dy) > CLICK_PX) press.moved = true;
        if (press.moved && press.mouse) { // pan (touch scrolls the page instead)
          const k = (press.box[1] - press.box[0]) / plane.S, b = press.box;
          plane.box = [b[0] - dx * k, b[1] - dx * k, b[2] + dy * k, b[3] + dy * k];
          this.dirty = true; view.schedule();
          this.showTip(e, -1);
          return;
        }
      }
      if (e.pointerType === "mouse" && !press) this.showTip(e, plane.zAt(e).inside ? plane.nearest(e) : -1);
    });
    el.addEventListener("pointerup", (e) => {
      const p = press;
      press = null;
      if (!p || p.moved || p.id !== e.pointerId) return;
      const { z, inside } = plane.zAt(e);
      if (!inside) return;
      const i = plane.nearest(e, e.pointerType === "touch" ? 16 : 10);
      if (i >= 0) view.select(i, e.timeStamp, "scatter");
      else { view.move(view.clamp(z), e.timeStamp, "scatter"); view.commit(); }
    });
    el.addEventListener("pointercancel", () => { press = null; });
    el.addEventListener("pointerleave", (e) => { if (!press) this.showTip(e, -1); });
    el.addEventListener("wheel", (e) => {
      const { z, inside } = plane.zAt(e);
      if (!inside) return;
      e.preventDefault();
      this.zoom(Math.exp(Math.max(-1, Math.min(1, e.deltaY * 0.0015))), z[0], z[1]);
    }, { passive: false });
    el.addEventListener("dblclick", () => { plane.setBox(...this.home); this.dirty = true; view.schedule(); });
    parent.querySelector(".lx-zoom").addEventListener("click", (e) => {
      const b = e.target.closest("button");
      if (!b) return;
      if (b.dataset.zoom === "reset") { plane.setBox(...this.home); this.dirty = true; view.schedule(); }
      else this.zoom(Number(b.dataset.zoom));
    });
    this.legend.addEventListener("click", (e) => {
      const b = e.target.closest("button");
      if (!b) return;
      const c = Number(b.dataset.c), hidden = plane.hidden;
      if (hidden.has(c)) hidden.delete(c); else hidden.add(c);
      b.setAttribute("aria-pressed", String(!hidden.has(c)));
      this.dirty = true; view.schedule();
    });
  }
}
