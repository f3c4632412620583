// What the Streamlit components of the page's views (explore_view.js, how_view.js) share:
// reading `data`, loading each content-hash file once into the view, and destroying the
// view once its element is gone.

import { load } from "./files.js";

/** The component's data: JSON in bytes (see explorer/ui/component.py), or an object. */
export function dataOf(data) {
  return data instanceof Uint8Array ? JSON.parse(new TextDecoder().decode(data)) : data || {};
}

/** Load `file` ({name, src | inline}) into the view with use(parsed), once per name (kept in
 *  entry[key]); a failure is said in the view (`what`: what could not be loaded), and the
 *  next render tries again. */
export function loadOnce(entry, key, file, what, use) {
  if (!file || file.name === entry[key]) return;
  entry[key] = file.name;
  load(file).then((parsed) => { if (entry[key] === file.name) use(parsed); },
    (e) => { if (entry[key] === file.name) { entry[key] = null; entry.view.say(`Could not load ${what} (${e.message}).`); } });
}

/** The cleanup to return to Streamlit. It runs the cleanup that the last call returned when
 *  the element unmounts, and may run a superseded call's cleanup while it is still mounted:
 *  destroy the view only when the element is gone. */
export function unmountWhenGone(views, parentElement, entry) {
  return () => setTimeout(() => {
    if (parentElement.isConnected || views.get(parentElement) !== entry) return;
    views.delete(parentElement);
    entry.view.destroy();
  }, 0);
}
