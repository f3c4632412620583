// Which browser this is (Streamlit Components v2; it draws nothing): a random secret of 128
// bits, kept in this browser's localStorage, so that it survives a reload and a new tab but
// not a copied URL, and cannot be guessed from another person's page. Python keeps only its
// hash as the owner of this browser's runs and datasets (explorer/server/owners.py).
// state "token": 32 hex digits, sent when Python does not know it yet (data.known false).
const KEY = "latent-explorer-owner";

function secret() {
  let token = null;
  try { token = window.localStorage.getItem(KEY); } catch (e) { /* storage blocked */ }
  if (!token || !/^[0-9a-f]{32}$/.test(token)) {
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    token = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    try { window.localStorage.setItem(KEY, token); } catch (e) { /* this page only */ }
  }
  return token;
}

export default function ({ setStateValue, data }) {
  if (!data || !data.known) setStateValue("token", secret());
}
