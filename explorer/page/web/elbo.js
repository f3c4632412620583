// The ELBO's terms in the page, the one copy of explorer/vae/objectives.py and explorer/vae/priors.py
// here: the reconstruction term (Bernoulli or Gaussian), the KL against N(0, I), log N and
// the log-density of a mixture prior. The constants come from Python with the model's data
// file (objectives.page_terms: {likelihood, sigma, log_2pi}), never written here; tested
// against Python under Node (tests/test_web_elbo.py). No DOM here.

/** The maths for one model: `terms` is page.bin's meta.elbo. */
export function elbo(terms) {
  const { likelihood, sigma, log_2pi: LOG_2PI } = terms || {};
  if (!(LOG_2PI > 0) || !(likelihood === "bernoulli" || (likelihood === "gaussian" && sigma > 0))) {
    throw new Error("the model's data file does not say its likelihood (prepared by an older version)");
  }
  const c = 0.5 * (LOG_2PI + 2 * Math.log(sigma)), s2 = 2 * sigma * sigma;
  const pixel = likelihood === "bernoulli"  // binary cross-entropy with logits
    ? (l, x) => Math.max(l, 0) - x * l + Math.log1p(Math.exp(-Math.abs(l)))
    : (l, x) => (1 / (1 + Math.exp(-l)) - x) ** 2 / s2 + c;  // mean sigmoid(l), std sigma

  /** -log p(x|z) summed over the pixels; each pixel's term into `out` when given. */
  function nll(logits, x, out = null) {
    let sum = 0;
    for (let i = 0; i < x.length; i++) {
      const v = pixel(logits[i], x[i]);
      if (out) out[i] = v;
      sum += v;
    }
    return sum;
  }

  /** log N(z; mu, diag(exp(logvar))), summed over z's dimensions; mu and logvar read from
   *  index `at` on (one component of a mixture's flat arrays). */
  function logNormal(z, mu, logvar, at = 0) {
    let s = 0;
    for (let i = 0; i < z.length; i++) {
      const lv = logvar[at + i];
      s += LOG_2PI + lv + (z[i] - mu[at + i]) ** 2 / Math.exp(lv);
    }
    return -0.5 * s;
  }

  /** KL(N(mu, exp(logvar)) || N(0, I)) in closed form. */
  function gaussianKl(mu, logvar) {
    let s = 0;
    for (let i = 0; i < mu.length; i++) s += 1 + logvar[i] - mu[i] ** 2 - Math.exp(logvar[i]);
    return -0.5 * s;
  }

  /** log p(z) of a mixture of diagonal Gaussians {k, d, mu, logvar, logw} (flat arrays). */
  function mixtureLogProb(prior, z) {
    const { k, d } = prior, terms = new Float64Array(k);
    let best = -Infinity;
    for (let c = 0; c < k; c++) {
      terms[c] = prior.logw[c] + logNormal(z, prior.mu, prior.logvar, c * d);
      if (terms[c] > best) best = terms[c];
    }
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(terms[c] - best);
    return best + Math.log(sum);
  }

  /** KL(q(z|x) || p(z)) for a mixture prior, by Monte Carlo: the mean of log q(z|x) -
   *  log p(z) at z = mu + sigma * eps over the draws `eps` ([[e0, e1], ...]). */
  function mixtureKl(mu, logvar, prior, eps) {
    let s = 0;
    for (const e of eps) {
      const z = mu.map((m, i) => m + Math.exp(0.5 * logvar[i]) * e[i]);
      s += logNormal(z, mu, logvar) - mixtureLogProb(prior, z);
    }
    return s / eps.length;
  }

  return { likelihood, nll, logNormal, gaussianKl, mixtureLogProb, mixtureKl };
}
