// The z[0] and z[1] sliders: real range inputs (arrow keys, Page Up / Down, Home / End, touch)
// that morph the digit while the thumb moves, each with a box to type an exact value. z is
// committed on release, on key up and on Enter in the box.

import { round2 } from "./pad.js";

const STEP = 0.05, BIG_STEP = 0.25, PAGE = 0.5;

function row(i, lim) {
  return `<div class="lx-srow"><span class="lx-slabel" aria-hidden="true">z[${i}]</span>
    <input type="range" class="lx-range" data-i="${i}" aria-label="z[${i}]" min="${-lim}" max="${lim}" step="0.01" value="0">
    <input type="number" class="lx-num" data-i="${i}" aria-label="z[${i}], exact value" min="${-lim}" max="${lim}" step="0.01" value="0"></div>`;
}

export class Sliders {
  constructor(box, view) {
    this.box = box; this.view = view;
    this.held = new Set(); // keys down on a slider
    this.dragging = null; // the range being dragged
    this.listen();
  }

  /** The range of both sliders: ±lim (the boxes, being typed in, are kept). */
  setLim(lim) {
    const inputs = this.box.querySelectorAll("input");
    if (!inputs.length) { this.box.innerHTML = row(0, lim) + row(1, lim); return; }
    for (const inp of inputs) { inp.min = String(-lim); inp.max = String(lim); }
  }

  busy() { return this.held.size > 0 || this.dragging !== null; }

  /** Thumbs and boxes follow z (a box being typed in is left alone). */
  draw() {
    const z = this.view.z, active = this.box.getRootNode().activeElement;
    for (const r of this.box.querySelectorAll(".lx-range")) {
      const v = z[r.dataset.i], num = r.parentElement.querySelector(".lx-num");
      if (Number(r.value) !== round2(v) && this.dragging !== r) r.value = v;
      if (active !== num && num.value !== v.toFixed(2)) num.value = v.toFixed(2);
    }
  }

  /** z with coordinate i of the range r set to v (rounded, clipped to the sliders' range). */
  with(r, v) {
    const z = this.view.z.slice(), lim = this.view.reach;
    z[r.dataset.i] = Math.min(lim, Math.max(-lim, round2(v)));
    return z;
  }

  listen() {
    const box = this.box, view = this.view, isRange = (t) => t.classList.contains("lx-range");
    box.addEventListener("keydown", (e) => {
      const r = e.target;
      if (!isRange(r)) return;
      const v = Number(r.value), st = e.shiftKey ? BIG_STEP : STEP, lim = view.reach;
      const to = { ArrowRight: v + st, ArrowUp: v + st, ArrowLeft: v - st, ArrowDown: v - st,
        PageUp: v + PAGE, PageDown: v - PAGE, Home: -lim, End: lim }[e.key];
      if (to === undefined) return;
      e.preventDefault();
      this.held.add(e.key);
      view.hover(null);
      view.move(this.with(r, to), e.timeStamp, "slider_key");
      r.value = view.z[r.dataset.i];
    });
    box.addEventListener("keyup", (e) => {
      if (this.held.delete(e.key) && !this.held.size) view.commit();
    });
    box.addEventListener("input", (e) => {
      if (!isRange(e.target)) return;
      this.dragging = e.target;
      view.move(this.with(e.target, Number(e.target.value)), e.timeStamp, "slider_drag");
    });
    box.addEventListener("change", (e) => {
      const r = e.target;
      if (isRange(r)) {
        this.dragging = null;
        if (!this.held.size) view.commit();
        return;
      }
      const v = Number(r.value);
      if (r.value === "" || !Number.isFinite(v)) { view.say("Type a number, e.g. 0.53"); return; }
      const z = view.z.slice();
      z[r.dataset.i] = round2(v);
      view.say("");
      if (!view.extendTo(z)) { r.value = view.z[r.dataset.i].toFixed(2); return; } // (said why)
      view.move(z, e.timeStamp, "typed");
      view.commit();
    });
  }
}
