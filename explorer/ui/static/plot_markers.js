// Markers drawn over Plotly charts that are already on the page, without redrawing them.
// Moving a slider then costs one small message, not a 10,000-point re-render.
// data: {markers: [{plot: "<Streamlit key of the chart>", x, y, style: "cross"|"square",
//                   size: px or "cell" (one unit of the x axis)}]}  -- x, y in data units.

const STYLE = `
.lx-marker { position: absolute; pointer-events: none; z-index: 5; transform: translate(-50%, -50%); }
.lx-marker.cross::before, .lx-marker.cross::after { content: ""; position: absolute; left: 50%;
  top: 50%; width: 100%; height: 3px; background: #111; border-radius: 2px;
  transform: translate(-50%, -50%) rotate(45deg); }
.lx-marker.cross::after { transform: translate(-50%, -50%) rotate(-45deg); }
.lx-marker.square { border: 3px solid #e15759; box-sizing: border-box; }
`;

function ensureStyle() {
  if (document.getElementById("lx-marker-style")) return;
  const s = document.createElement("style");
  s.id = "lx-marker-style";
  s.textContent = STYLE;
  document.head.appendChild(s);
}

function place(spec, tries = 0) {
  const host = document.querySelector(`.st-key-${CSS.escape(spec.plot)}`);
  const gd = host && host.querySelector(".js-plotly-plot");
  const layout = gd && gd._fullLayout;
  if (!layout || !layout.xaxis || !layout.xaxis.l2p) {
    if (tries < 600) requestAnimationFrame(() => place(spec, tries + 1));  // not drawn yet
    return;
  }
  let el = gd.querySelector(":scope > .lx-marker");
  if (!el) {
    el = document.createElement("div");
    el.setAttribute("data-testid", "lxMarker");
    gd.style.position = "relative";
    gd.appendChild(el);
  }
  el.className = `lx-marker ${spec.style || "cross"}`;
  const xa = layout.xaxis, ya = layout.yaxis;
  const size = spec.size === "cell" ? Math.abs(xa.l2p(1) - xa.l2p(0)) : (spec.size || 18);
  el.style.width = el.style.height = `${size}px`;
  el.dataset.x = spec.x;
  el.dataset.y = spec.y;
  const px = xa._offset + xa.l2p(spec.x), py = ya._offset + ya.l2p(spec.y);
  const inside = px >= xa._offset && px <= xa._offset + xa._length &&
                 py >= ya._offset && py <= ya._offset + ya._length;
  el.style.left = `${px}px`;
  el.style.top = `${py}px`;
  el.style.display = inside ? "block" : "none";
  gd.__lxSpec = spec;
  if (!gd.__lxHooked && gd.on) {  // follow zooming, panning and redraws
    gd.__lxHooked = true;
    const again = () => gd.__lxSpec && requestAnimationFrame(() => place(gd.__lxSpec));
    gd.on("plotly_relayout", again);
    gd.on("plotly_afterplot", again);
  }
}

export default function ({ data }) {
  ensureStyle();
  for (const spec of (data && data.markers) || []) place(spec);
}
