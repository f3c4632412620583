// The page's data files, fetched once per page and kept (a content-hash name never goes
// stale): from a static URL, or from base64 sent inline. Parsed by nn_runtime.js, the test
// digits inflated.

import { parseBundle, unpackDigits, base64ToBuffer } from "./nn_runtime.js";

const KEEP = 6; // parsed files kept per page
const FILES = new Map(); // content name -> Promise<parsed file>

/** {name, src | inline} -> Promise<parsed file> (its `unpacked` digits, if any). */
export function load(file) {
  let p = FILES.get(file.name);
  if (!p) {
    const raw = file.src
      ? fetch(new URL(file.src, document.baseURI)).then((r) => {
        if (!r.ok) throw new Error(`${r.status} ${r.statusText} for ${file.src}`);
        return r.arrayBuffer();
      })
      : Promise.resolve().then(() => base64ToBuffer(file.inline));
    p = raw.then(parseBundle).then(async (parsed) => {
      parsed.unpacked = parsed.digits ? await unpackDigits(parsed.digits) : null;
      return parsed;
    });
    p.catch(() => FILES.delete(file.name)); // a later render tries again
    FILES.set(file.name, p);
    while (FILES.size > KEEP) FILES.delete(FILES.keys().next().value);
  }
  return p;
}
