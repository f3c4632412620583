// The Explore view as a Streamlit Components v2 element (explorer/ui/explore/view.py).
// Streamlit calls the default export on mount and whenever `data` changes, with the same
// parentElement: the view is built once per parent and then only updated. The model's data
// file and the test digits come once per page from content-hash static files (or inline,
// base64, without static serving) and are kept for the page's life; the view answers every
// input itself and reports what was set with setStateValue("pick", {z, selected, n}).

import { ExploreView } from "./view.js";
import { dataOf, loadOnce, unmountWhenGone } from "./component.js";

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
  const view = entry.view, d = dataOf(data);
  entry.report = setStateValue;
  entry.fallback = !!d.fallback;
  loadOnce(entry, "page", d.page, "the model into the page", (parsed) => view.setBundle(parsed, d.classes, d.noun));
  loadOnce(entry, "digits", d.digits, "the test digits", (parsed) => view.setDigits(parsed.unpacked));
  if (d.fallback) view.setFallback(d.fallback);
  view.setState(d.z, d.selected ?? null);
  return unmountWhenGone(VIEWS, parentElement, entry);
}
