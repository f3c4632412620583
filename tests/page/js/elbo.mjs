// Runs the page's ELBO maths (explorer/page/web/elbo.js) under Node, for tests/test_web_elbo.py:
//   node tests/js/elbo.mjs MODULE_URL JOB_JSON OUT_JSON
// MODULE_URL is elbo.js as the page gets it (explorer.page.web.script); JOB_JSON holds the terms
// Python sends (objectives.page_terms) and the cases; OUT_JSON receives each case's answer.
import { readFileSync, writeFileSync } from "node:fs";

const { elbo } = await import(process.argv[2]);
const job = JSON.parse(readFileSync(process.argv[3], "utf8"));
const m = elbo(job.terms);
const out = {
  nll: job.nll.map(({ logits, x }) => {
    const pixels = new Float64Array(x.length);
    return { sum: m.nll(logits, x, pixels), pixels: Array.from(pixels) };
  }),
  kl: job.q.map(({ mu, logvar }) => m.gaussianKl(mu, logvar)),
  logNormal: job.q.map(({ z, mu, logvar }) => m.logNormal(z, mu, logvar)),
  mixture: job.z.map((z) => m.mixtureLogProb(job.prior, z)),
  mixtureKl: m.mixtureKl(job.q[0].mu, job.q[0].logvar, job.prior, job.eps),
};
let refused = null;
try { elbo({ likelihood: job.terms.likelihood }); } catch (e) { refused = e.message; }
writeFileSync(process.argv[4], JSON.stringify({ ...out, refused }));
