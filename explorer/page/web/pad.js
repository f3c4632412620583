// The latent pad: a square over the latent plane. Hovering previews the digit under the
// pointer; dragging moves z and the digit morphs at the display's frame rate; arrow keys
// nudge z (Shift: bigger steps); Ctrl+C / Ctrl+V copy and paste z as text. z is committed
// (told to Python) on release, key up and paste.

import { Plane, PALETTE, cross } from "./plane.js";

const STEP = 0.05, BIG_STEP = 0.25;

export const round2 = (v) => Math.round(v * 100) / 100;

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

const HTML = `
<div class="lx-pad" tabindex="0" role="application" aria-roledescription="latent pad"
     aria-label="Latent plane. Hover or drag to preview; arrow keys move z (Shift for bigger steps); Ctrl+C copies z, Ctrl+V pastes it."></div>
<div class="lx-readout">
  <span class="lx-z">z = (0.00, 0.00)</span>
  <button type="button" class="lx-btn lx-copy" title="Copy z to the clipboard">copy</button>
  <span class="lx-msg" role="status" aria-live="polite"></span>
</div>`;

export class Pad {
  /** view: the Explore view (its z, and move / hover / commit / cancel / say). */
  constructor(parent, view) {
    this.view = view;
    parent.insertAdjacentHTML("beforeend", HTML);
    this.el = parent.querySelector(".lx-pad");
    this.zText = parent.querySelector(".lx-z");
    this.msg = parent.querySelector(".lx-msg");
    this.plane = new Plane(this.el, { left: 40, right: 8, top: 8, bottom: 34 });
    this.plane.style = { alpha: 0.35, radius: 1.4 };
    this.dragging = false; this.nudging = false;
    this.listen(parent.querySelector(".lx-copy"));
  }

  setLim(lim) {
    this.plane.setBox(-lim, lim, -lim, lim);
    this.plane.drawBase();
  }

  setPoints(points) {
    this.plane.points = points;
    this.plane.drawBase();
  }

  resize() {
    if (this.plane.resize(this.el.clientWidth)) this.plane.drawBase();
  }

  draw() {
    const v = this.view, p = this.plane, ctx = p.overlay();
    if (v.hovering && !this.dragging) {
      ctx.strokeStyle = PALETTE[0]; ctx.lineWidth = 2;
      ctx.beginPath(); ctx.arc(p.X(v.shown[0]), p.Y(v.shown[1]), 7, 0, 2 * Math.PI); ctx.stroke();
    }
    cross(ctx, p.X(v.z[0]), p.Y(v.z[1]));
    const text = formatZ(v.z);
    if (this.zText.textContent !== text) this.zText.textContent = text;
  }

  say(text, isError = false) {
    this.msg.textContent = text;
    this.msg.classList.toggle("lx-error", isError);
    clearTimeout(this.msgTimer);
    this.msgTimer = setTimeout(() => { this.msg.textContent = ""; }, isError ? 4000 : 1500);
  }

  copy() {
    const text = formatZ(this.view.z);
    let done = false;
    const onCopy = (ev) => { ev.clipboardData.setData("text/plain", text); ev.preventDefault(); done = true; };
    document.addEventListener("copy", onCopy, true);
    try { document.execCommand("copy"); } catch (_) { /* older browsers: fall through */ }
    document.removeEventListener("copy", onCopy, true);
    if (!done && navigator.clipboard) navigator.clipboard.writeText(text).catch(() => {});
    this.say("copied");
  }

  paste(text) {
    const r = parseZ(text);
    if (r.error) { this.say(r.error, true); return; }
    const z = [round2(r.z[0]), round2(r.z[1])];
    if (!this.view.extendTo(z)) { this.say("too far out", true); return; } // (the view says why)
    this.view.move(z, performance.now(), "paste");
    this.view.commit();
    this.say("pasted");
  }

  listen(copyButton) {
    const el = this.el, view = this.view, on = (type, f) => el.addEventListener(type, f);
    on("pointerdown", (e) => {
      if (e.button !== 0) return;
      this.dragging = true;
      el.setPointerCapture(e.pointerId);
      el.focus({ preventScroll: true, focusVisible: false });
      view.hover(null);
      view.move(view.clamp(this.plane.zAt(e).z), e.timeStamp, "pad");
      e.preventDefault();
    });
    on("pointermove", (e) => {
      const { z, inside } = this.plane.zAt(e);
      if (this.dragging) view.move(view.clamp(z), e.timeStamp, "pad");
      else if (inside && e.pointerType !== "touch") view.hover(z, e.timeStamp);
      else view.hover(null);
    });
    const end = (e, keep) => {
      if (!this.dragging) return;
      this.dragging = false;
      if (el.hasPointerCapture(e.pointerId)) el.releasePointerCapture(e.pointerId);
      if (!keep) { view.cancel(); return; }
      view.move(view.clamp(this.plane.zAt(e).z), e.timeStamp, "pad");
      view.commit();
    };
    on("pointerup", (e) => end(e, true));
    on("pointercancel", (e) => end(e, false));
    on("pointerleave", () => { if (!this.dragging) view.hover(null); });
    const ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
    on("keydown", (e) => {
      const mod = e.ctrlKey || e.metaKey;
      if (mod && (e.key === "c" || e.key === "C")) { e.preventDefault(); this.copy(); return; }
      if (e.key === "Escape" && this.dragging) { this.dragging = false; view.cancel(); return; }
      const d = ARROWS[e.key];
      if (!d || mod || e.altKey) return;
      e.preventDefault();
      const step = e.shiftKey ? BIG_STEP : STEP, z = view.z;
      this.nudging = true;
      view.hover(null);
      view.move(view.clamp([round2(z[0] + d[0] * step), round2(z[1] + d[1] * step)]), e.timeStamp, "pad_key");
    });
    on("keyup", (e) => {
      if (ARROWS[e.key] && this.nudging) { this.nudging = false; view.commit(); }
    });
    on("blur", () => { if (this.nudging) { this.nudging = false; view.commit(); } });
    // a paste targets the focused element, or the body where an element is not editable
    this.onPaste = (e) => {
      if (e.__lx || !(e.target === el || el.getRootNode().activeElement === el)) return;
      e.__lx = true;
      e.preventDefault();
      this.paste(e.clipboardData ? e.clipboardData.getData("text") : "");
    };
    on("paste", this.onPaste);
    document.addEventListener("paste", this.onPaste);
    copyButton.addEventListener("click", () => this.copy());
  }

  destroy() {
    document.removeEventListener("paste", this.onPaste);
  }
}
