// Runs the page's network runtime (explorer/page/web/nn_runtime.js) under Node, for tests and
// benchmarks:  node tests/js/decode.mjs BUNDLE Z_F32 OUT_F32 [--net decoder|encoder] [--time]
// Z_F32 holds N inputs as float32 (N x in_size); OUT_F32 receives N outputs as float32:
// sigmoid probabilities for the decoder, (mu, logvar) for the encoder (logvar clamped as
// model.encode clamps it). With --time it also prints {"ms_per_call": ...} measured over
// repeated runs.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const source = readFileSync(join(here, "..", "..", "..", "explorer", "page", "web", "nn_runtime.js"));
// a data: URL imports the file as an ES module whatever Node's package settings say
const runtime = await import(`data:text/javascript;base64,${source.toString("base64")}`);

const [bundlePath, inPath, outPath, ...flags] = process.argv.slice(2);
const which = flags.includes("--net") ? flags[flags.indexOf("--net") + 1] : "decoder";
const raw = readFileSync(bundlePath);
const bundle = runtime.parseBundle(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
const net = bundle[which];
if (!net) throw new Error(`the bundle has no ${which}`);
const inBytes = readFileSync(inPath);
const x = new Float32Array(inBytes.buffer, inBytes.byteOffset, inBytes.byteLength / 4);
const inSize = net.input.length, n = x.length / inSize;
const outSize = net.outShape.reduce((a, b) => a * b, 1), out = new Float32Array(n * outSize);
for (let i = 0; i < n; i++) {
  net.input.set(x.subarray(i * inSize, (i + 1) * inSize));
  const y = net.run();
  for (let j = 0; j < outSize; j++) {
    out[i * outSize + j] = which === "decoder" ? 1 / (1 + Math.exp(-y[j])) : y[j];
  }
}
writeFileSync(outPath, Buffer.from(out.buffer));
if (flags.includes("--time")) {
  const runs = 300, t0 = performance.now();
  for (let r = 0; r < runs; r++) {
    net.input.set(x.subarray((r % n) * inSize, ((r % n) + 1) * inSize));
    net.run();
  }
  console.log(JSON.stringify({ ms_per_call: (performance.now() - t0) / runs }));
}
