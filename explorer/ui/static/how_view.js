// The How it works walk as a Streamlit Components v2 element (explorer/ui/how_view.py): the
// page encodes and decodes the digit itself (explorer/web/walk.js), with the model's data
// file and the test digits that the Explore tab fetched already (the same content-hash
// files), and the encoder (a file of its own, which only this tab fetches). What was chosen goes back with setStateValue("choice", {src, index, seed, beta}).

import { WalkView } from "../../web/walk.js";
import { load } from "../../web/files.js";

const VIEWS = new WeakMap(); // parentElement -> {view, page, digits}

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
  const view = entry.view;
  const d = data instanceof Uint8Array ? JSON.parse(new TextDecoder().decode(data)) : data || {};
  entry.report = setStateValue;
  if (d.page && d.page.name !== entry.page) {
    entry.page = d.page.name;
    load(d.page).then((parsed) => { if (entry.page === d.page.name) view.setBundle(parsed, d.classes, d.likelihood, d.noun); },
      (e) => { entry.page = null; view.say(`Could not load the model into the page (${e.message}).`); });
  }
  if (d.encoder && d.encoder.name !== entry.encoder) {
    entry.encoder = d.encoder.name;
    load(d.encoder).then((parsed) => { if (entry.encoder === d.encoder.name) view.setEncoder(parsed.encoder); },
      (e) => { entry.encoder = null; view.say(`Could not load the encoder into the page (${e.message}).`); });
  }
  if (d.digits && d.digits.name !== entry.digits) {
    entry.digits = d.digits.name;
    load(d.digits).then((parsed) => { if (entry.digits === d.digits.name) view.setDigits(parsed.unpacked); },
      (e) => { entry.digits = null; view.say(`Could not load the test digits (${e.message}).`); });
  }
  view.setState(d);
  return () => setTimeout(() => {
    if (parentElement.isConnected || VIEWS.get(parentElement) !== entry) return;
    VIEWS.delete(parentElement);
    view.destroy();
  }, 0);
}
