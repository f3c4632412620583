// A drawing canvas (Streamlit Components v2): draw a digit with mouse, pen or finger.
// While you draw it sends the picture to Python a few times a second (and once more when the
// stroke ends) as a small PNG, so the encoding can follow the pen. Undo and Clear included.
// state "drawing": {png: data URL or null, strokes: n, seq: k}

const CSS = `
.dp { display: flex; flex-direction: column; gap: 8px; align-items: flex-start;
      font-family: "Source Sans Pro", sans-serif; }
.dp canvas { width: 280px; height: 280px; border: 1px solid #d0d4dc; border-radius: 8px;
             background: #fff; touch-action: none; cursor: crosshair; }
.dp .row { display: flex; gap: 8px; align-items: center; }
.dp button { font: inherit; font-size: 14px; padding: 4px 14px; border-radius: 8px;
             border: 1px solid #d0d4dc; background: #fff; cursor: pointer; }
.dp button:hover { border-color: #4e79a7; color: #4e79a7; }
.dp button:disabled { opacity: 0.4; cursor: default; }
.dp .hint { color: #6b7280; font-size: 13px; }
`;
const SIZE = 280;  // CSS pixels of the canvas
const SEND_PX = 112;  // side of the PNG sent to Python (to_mnist scales it to 20x20 anyway)
const SEND_EVERY_MS = 150;

class DrawPad {
  constructor(root, setStateValue) {
    this.setStateValue = setStateValue;
    this.strokes = [];
    this.seq = 0;
    this.lastSent = 0;
    this.timer = null;
    root.innerHTML = `<style>${CSS}</style><div class="dp">
      <canvas data-testid="drawPadCanvas" aria-label="Draw a digit here"></canvas>
      <div class="row"><button data-act="undo">Undo</button><button data-act="clear">Clear</button>
      <span class="hint">Draw one digit, large, in the middle.</span></div></div>`;
    this.canvas = root.querySelector("canvas");
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = this.canvas.height = Math.round(SIZE * dpr);
    this.ctx = this.canvas.getContext("2d");
    this.ctx.scale(dpr, dpr);
    this.undoBtn = root.querySelector('[data-act="undo"]');
    this.clearBtn = root.querySelector('[data-act="clear"]');
    this.undoBtn.onclick = () => { this.strokes.pop(); this.redraw(); this.send(true); };
    this.clearBtn.onclick = () => { this.strokes = []; this.redraw(); this.send(true); };
    this.listen();
    this.redraw();
  }

  point(e) {
    const r = this.canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * SIZE / r.width, (e.clientY - r.top) * SIZE / r.height];
  }

  listen() {
    const c = this.canvas;
    c.addEventListener("pointerdown", (e) => {
      c.setPointerCapture(e.pointerId);
      this.drawing = true;
      this.strokes.push([this.point(e)]);
      this.redraw();
    });
    c.addEventListener("pointermove", (e) => {
      if (!this.drawing) return;
      for (const ev of e.getCoalescedEvents ? e.getCoalescedEvents() : [e]) {
        this.strokes[this.strokes.length - 1].push(this.point(ev));
      }
      this.redraw();
      this.send(false);
    });
    const end = () => { if (this.drawing) { this.drawing = false; this.send(true); } };
    c.addEventListener("pointerup", end);
    c.addEventListener("pointercancel", end);
  }

  redraw() {
    const ctx = this.ctx;
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, SIZE, SIZE);
    ctx.strokeStyle = "#111";
    ctx.fillStyle = "#111";
    ctx.lineWidth = 22;
    ctx.lineCap = ctx.lineJoin = "round";
    for (const s of this.strokes) {
      ctx.beginPath();
      ctx.moveTo(s[0][0], s[0][1]);
      if (s.length === 1) ctx.lineTo(s[0][0] + 0.1, s[0][1]);
      for (const [x, y] of s.slice(1)) ctx.lineTo(x, y);
      ctx.stroke();
    }
    this.undoBtn.disabled = this.clearBtn.disabled = this.strokes.length === 0;
  }

  // Throttled while drawing; always at the end of a stroke, on undo and on clear.
  send(now) {
    const wait = this.lastSent + SEND_EVERY_MS - performance.now();
    if (!now && wait > 0) {
      if (!this.timer) this.timer = setTimeout(() => { this.timer = null; this.send(true); }, wait);
      return;
    }
    clearTimeout(this.timer);
    this.timer = null;
    this.lastSent = performance.now();
    let png = null;
    if (this.strokes.length) {
      const small = document.createElement("canvas");
      small.width = small.height = SEND_PX;
      const sctx = small.getContext("2d");
      sctx.imageSmoothingQuality = "high";
      sctx.drawImage(this.canvas, 0, 0, SEND_PX, SEND_PX);
      png = small.toDataURL("image/png");
    }
    this.seq += 1;
    this.setStateValue("drawing", { png, strokes: this.strokes.length, seq: this.seq });
  }
}

export default function ({ parentElement, setStateValue, data }) {
  const root = parentElement;
  if (!root.__drawPad) root.__drawPad = new DrawPad(root, setStateValue);
  root.__drawPad.setStateValue = setStateValue;
  if (data && data.clear && data.clear !== root.__drawPad.cleared) {  // Python asked to clear
    root.__drawPad.cleared = data.clear;
    root.__drawPad.strokes = [];
    root.__drawPad.redraw();
  }
}
