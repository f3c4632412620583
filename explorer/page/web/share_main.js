// The share file's entry (explorer/page/share.py): the Explore view of one model, from the data
// embedded in the page itself. No server and no network: it works from file://.

import { ExploreView } from "./view.js";
import { parseBundle, unpackDigits, base64ToBuffer } from "./nn_runtime.js";

const meta = JSON.parse(document.getElementById("lx-meta").textContent);
const view = new ExploreView(document.getElementById("lx-view"), { id: "share" });
try {
  const parsed = parseBundle(base64ToBuffer(document.getElementById("lx-data").textContent.trim()));
  view.setBundle(parsed, meta.classes, meta.noun);
  view.setState([0, 0], null);
  unpackDigits(parsed.digits).then((digits) => view.setDigits(digits),
    (e) => view.say(`The test digits in this file could not be read (${e.message}).`));
} catch (e) {
  view.say(`This file is damaged and cannot show the model (${e.message}).`);
}
