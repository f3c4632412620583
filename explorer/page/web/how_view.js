// The How it works walk as a Streamlit Components v2 element (explorer/ui/how/view.py): the
// page encodes and decodes the digit itself (explorer/page/web/walk.js), with the model's data
// file and the test digits that the Explore tab fetched already (the same content-hash
// files), and the encoder (a file of its own, which only this tab fetches). What was chosen
// goes back with setStateValue("choice", {src, index, seed, beta}).

import { WalkView } from "./walk.js";
import { dataOf, loadOnce, unmountWhenGone } from "./component.js";

const VIEWS = new WeakMap(); // parentElement -> {view, page, encoder, digits, report}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  let entry = VIEWS.get(parentElement);
  if (!entry) {
    const root = document.createElement("div");
    parentElement.appendChild(root);
    entry = { page: null, encoder: null, digits: null, report: null };
    entry.view = new WalkView(root, { onChange: (choice) => entry.report && entry.report("choice", choice) });
    VIEWS.set(parentElement, entry);
  }
  const view = entry.view, d = dataOf(data);
  entry.report = setStateValue;
  loadOnce(entry, "page", d.page, "the model into the page", (parsed) => view.setBundle(parsed, d.classes, d.noun));
  loadOnce(entry, "encoder", d.encoder, "the encoder into the page", (parsed) => view.setEncoder(parsed.encoder));
  loadOnce(entry, "digits", d.digits, "the test digits", (parsed) => view.setDigits(parsed.unpacked));
  view.setState(d);
  return unmountWhenGone(VIEWS, parentElement, entry);
}
