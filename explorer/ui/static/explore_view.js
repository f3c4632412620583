// The Explore view as a Streamlit Components v2 element (explorer/ui/explore_view.py).
// Streamlit calls the default export on mount and whenever `data` changes, with the same
// parentElement: the view is built once per parent and then only updated. The model's data
// file and the test digits come once per page from content-hash static files (or inline,
// base64, without static serving) and are kept for the page's life; the view answers every
// input itself and reports what was set with setStateValue("pick", {z, selected, n}).

import { ExploreView } from "../../web/view.js";
import { load } from "../../web/files.js";

const VIEWS = new WeakMap(); // parentElement -> {view, ...}

function mount(parentElement) {
  const root = document.createElement("div");
  parentElement.appendChild(root);
  const entry = { page: null, digits: null, n: 0, report: null };
  const send = (pick) => { if (entry.report) entry.report("pick", { ...pick, n: ++entry.n }); };
  entry.view = new ExploreView(root, {
    onCommit: (z) => send({ z }),
    onSelect: (selected, z) => send({ z, selected }),
    onGrid: (grid) => { if (entry.fallback && entry.report) entry.report("grid", grid); },
  });
  return entry;
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  let entry = VIEWS.get(parentElement);
  if (!entry) { entry = mount(parentElement); VIEWS.set(parentElement, entry); }
  // the data comes as JSON in bytes (see explore_view.py)
  const view = entry.view, d = data instanceof Uint8Array ? JSON.parse(new TextDecoder().decode(data)) : data || {};
  entry.report = setStateValue;
  entry.fallback = !!d.fallback;
  if (d.page && d.page.name !== entry.page) {
    entry.page = d.page.name;
    load(d.page).then((parsed) => {
      if (entry.page === d.page.name) view.setBundle(parsed, d.classes, d.noun);
    }, (e) => { if (entry.page === d.page.name) { entry.page = null; view.say(`Could not load the model into the page (${e.message}).`); } });
  }
  if (d.digits && d.digits.name !== entry.digits) {
    entry.digits = d.digits.name;
    load(d.digits).then((parsed) => { if (entry.digits === d.digits.name) view.setDigits(parsed.unpacked); },
      (e) => { if (entry.digits === d.digits.name) { entry.digits = null; view.say(`Could not load the test digits (${e.message}).`); } });
  }
  if (d.fallback) view.setFallback(d.fallback);
  view.setState(d.z, d.selected ?? null);
  // Streamlit runs the cleanup that the last call returned when the element unmounts, and
  // may run a superseded call's cleanup while it is still mounted: destroy only when gone
  return () => setTimeout(() => {
    if (parentElement.isConnected || VIEWS.get(parentElement) !== entry) return;
    VIEWS.delete(parentElement);
    view.destroy();
  }, 0);
}
