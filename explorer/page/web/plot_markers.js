// Markers drawn over Plotly charts that are already on the page, without redrawing them.
// Moving a slider then costs one small message, not a 10,000-point re-render.
// data: {group, markers: [{plot: "<Streamlit key of the chart>", id, x, y,
//          style: "cross"|"square"|"ring"|"dot", size: px or "cell" (one x-axis unit)}
//         or {plot, id, path: [[x, y], ...], color, width, dash: true|false}
//         or {plot, id, points: [[x, y], ...], color, r}  (a cloud of dots)],
//        pick: ["<Streamlit key of a chart>", ...]}
// x, y in the chart's data units.
// A click on a point of a chart named in `pick` is sent to Python as the trigger "pick":
// {plot, x, y, customdata}. This component's fragment reruns, not the chart's, so a click
// costs what a slider move costs (no selection, no re-sent or redrawn chart).

const STYLE = `
.lx-marker { position: absolute; pointer-events: none; z-index: 5; transform: translate(-50%, -50%); }
.lx-marker.cross::before, .lx-marker.cross::after { content: ""; position: absolute; left: 50%;
  top: 50%; width: 100%; height: 3px; background: #111; border-radius: 2px;
  transform: translate(-50%, -50%) rotate(45deg); }
.lx-marker.cross::after { transform: translate(-50%, -50%) rotate(-45deg); }
.lx-marker.square { border: 3px solid #e15759; box-sizing: border-box; }
.lx-marker.dot { background: #111; border: 2px solid #fff; border-radius: 50%;
  box-sizing: border-box; }
.lx-path { position: absolute; left: 0; top: 0; pointer-events: none; z-index: 4;
  overflow: visible; }
.lx-marker.ring { border: 3px solid #e15759; border-radius: 50%; box-sizing: border-box;
  background: rgba(225, 87, 89, 0.25); }
`;

function ensureStyle() {
  if (document.getElementById("lx-marker-style")) return;
  const s = document.createElement("style");
  s.id = "lx-marker-style";
  s.textContent = STYLE;
  document.head.appendChild(s);
}

function graphOf(plot) {  // the Plotly graph div of the chart with this Streamlit key
  const host = document.querySelector(`.st-key-${CSS.escape(plot)}`);
  return host && host.querySelector(".js-plotly-plot");
}

function keyOf(el) {  // the Streamlit key of the keyed element around el, or null
  const host = el && el.closest("[class*='st-key-']");
  const cls = host && [...host.classList].find((c) => c.startsWith("st-key-"));
  return cls ? cls.slice(7) : null;
}

// A chart may be drawn long after this component (a busy page, a slow server): what waits
// for one is tried again each frame for 10 s, then twice a second, until the chart is
// there or a newer render of the same component supersedes it.
const renders = {};  // group -> how many times that component has rendered

function later(fn, group, render, since) {
  if (renders[group] !== render) return;  // superseded
  if (performance.now() - since < 10000) requestAnimationFrame(fn);
  else setTimeout(fn, 500);
}

function place(spec, group, render = renders[group], since = performance.now()) {
  const gd = graphOf(spec.plot);
  const layout = gd && gd._fullLayout;
  if (!layout || !layout.xaxis || !layout.xaxis.l2p) {  // not drawn yet
    later(() => place(spec, group, render, since), group, render, since);
    return;
  }
  const id = `${group}/${spec.id || "main"}`;
  let el = gd.querySelector(`:scope > [data-testid="lxMarker"][data-id="${CSS.escape(id)}"]`);
  if (!el) {
    el = document.createElement("div");
    el.setAttribute("data-testid", "lxMarker");
    el.dataset.id = id;
    el.dataset.group = group;
    gd.style.position = "relative";
    gd.appendChild(el);
  }
  const xa = layout.xaxis, ya = layout.yaxis;
  (gd.__lxSpecs = gd.__lxSpecs || {})[id] = [spec, group];
  hook(gd);
  if (spec.path) return drawPath(el, spec, xa, ya, gd);
  if (spec.points) return drawDots(el, spec, xa, ya, gd);
  el.className = `lx-marker ${spec.style || "cross"}`;
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
}

// Plotly keeps a graph's listeners on gd._ev and makes a new one when it purges and
// re-creates the plot, so a graph is hooked again whenever its emitter is new.
function newEmitter(gd, tag) {  // true once per emitter of gd for each tag
  if (!gd || !gd.on || !gd._ev || gd[tag] === gd._ev) return false;
  gd[tag] = gd._ev;
  return true;
}

function hook(gd) {
  if (!newEmitter(gd, "__lxHooked")) return;  // follow zooms, pans, redraws
  const again = () => requestAnimationFrame(
    () => Object.values(gd.__lxSpecs || {}).forEach(([s, g]) => place(s, g)));
  gd.on("plotly_relayout", again);
  gd.on("plotly_afterplot", again);
}

const reporters = {};  // group -> the latest setTriggerValue of that component
const pickPlots = {};  // chart key -> group, for the charts whose clicks are reported
let picks = 0;

function hookPicksNow(gd, plot) {
  if (!newEmitter(gd, "__lxPicks")) return !!(gd && gd._ev);  // hooked already, or not drawn
  gd.on("plotly_click", (event) => {
    const p = event && event.points && event.points[0];
    const report = reporters[pickPlots[plot]];
    if (!p || !report) return;
    report("pick", { plot, x: p.x, y: p.y, n: ++picks,  // n: two clicks on one point differ
                     customdata: p.customdata === undefined ? null : p.customdata });
  });
  return true;
}

function hookPicks(plot, group, render = renders[group], since = performance.now()) {
  if (!hookPicksNow(graphOf(plot), plot))  // once the chart is drawn
    later(() => hookPicks(plot, group, render, since), group, render, since);
}

// Plotly may re-create a chart (a new emitter) without this component rendering again:
// check the hook as a press begins on a chart, before Plotly sees the click it ends in.
document.addEventListener("pointerdown", (event) => {
  const gd = event.target.closest && event.target.closest(".js-plotly-plot");
  const key = keyOf(gd);
  if (key !== null && key in pickPlots) hookPicksNow(gd, key);
}, true);

const SVG = "http://www.w3.org/2000/svg";
let clipIds = 0;

/** The marker's SVG layer over the whole plot, made (and `fill`ed) on first use. */
function svgLayer(el, gd, fill = () => {}) {
  el.className = "lx-path-host";
  el.style.cssText = "position:absolute;left:0;top:0;width:0;height:0;pointer-events:none";
  let svg = el.querySelector("svg");
  if (!svg) {
    svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "lx-path");
    fill(svg);
    el.appendChild(svg);
  }
  svg.setAttribute("width", gd.clientWidth);
  svg.setAttribute("height", gd.clientHeight);
  return svg;
}

function drawPath(el, spec, xa, ya, gd) {
  const svg = svgLayer(el, gd, (s) => {
    s.appendChild(document.createElementNS(SVG, "clipPath")).id = `lxclip-${++clipIds}`;
    s.firstChild.appendChild(document.createElementNS(SVG, "rect"));
    s.appendChild(document.createElementNS(SVG, "polyline"));
  });
  const rect = svg.querySelector("rect");
  rect.setAttribute("x", xa._offset); rect.setAttribute("y", ya._offset);
  rect.setAttribute("width", xa._length); rect.setAttribute("height", ya._length);
  const line = svg.querySelector("polyline");
  line.setAttribute("clip-path", `url(#${svg.firstChild.id})`);
  line.setAttribute("points", spec.path.map(([x, y]) =>
    `${(xa._offset + xa.l2p(x)).toFixed(1)},${(ya._offset + ya.l2p(y)).toFixed(1)}`).join(" "));
  line.setAttribute("fill", "none");
  line.setAttribute("stroke", spec.color || "#111");
  line.setAttribute("stroke-width", spec.width || 2);
  line.setAttribute("stroke-linejoin", "round");
  line.setAttribute("stroke-dasharray", spec.dash ? "6 4" : "");
  el.dataset.points = spec.path.length;
}

function drawDots(el, spec, xa, ya, gd) {
  const svg = svgLayer(el, gd);
  const inside = ([x, y]) => x >= xa._offset && x <= xa._offset + xa._length &&
    y >= ya._offset && y <= ya._offset + ya._length;
  const px = spec.points.map(([x, y]) => [xa._offset + xa.l2p(x), ya._offset + ya.l2p(y)])
    .filter(inside);
  while (svg.childNodes.length > px.length) svg.lastChild.remove();
  while (svg.childNodes.length < px.length) svg.appendChild(document.createElementNS(SVG, "circle"));
  px.forEach(([x, y], i) => {
    const c = svg.childNodes[i];
    c.setAttribute("cx", x.toFixed(1)); c.setAttribute("cy", y.toFixed(1));
    c.setAttribute("r", spec.r || 2.5);
    c.setAttribute("fill", spec.color || "#111");
    c.setAttribute("fill-opacity", "0.55");
  });
  el.dataset.points = px.length;
}

function removeOthers(specs, group) {
  // this component's markers that the new data no longer has (e.g. no digit selected)
  const wanted = new Set(specs.map((s) => `${s.plot}|${group}/${s.id || "main"}`));
  for (const el of document.querySelectorAll('[data-testid="lxMarker"]')) {
    if (el.dataset.group !== group) continue;
    const key = keyOf(el);
    if (key === null || !wanted.has(`${key}|${el.dataset.id}`)) {
      const gd = el.parentElement;
      if (gd && gd.__lxSpecs) delete gd.__lxSpecs[el.dataset.id];
      el.remove();
    }
  }
}

export default function ({ data, setTriggerValue }) {
  ensureStyle();
  const specs = (data && data.markers) || [];
  const group = (data && data.group) || "markers";
  renders[group] = (renders[group] || 0) + 1;
  removeOthers(specs, group);
  for (const spec of specs) place(spec, group);
  reporters[group] = setTriggerValue;
  for (const plot of (data && data.pick) || []) {
    pickPlots[plot] = group;
    hookPicks(plot, group);
  }
}
