/**
 * `npm run generate` (in bench/): writes the random-weight models that are missing and prints
 * each one's parameter count, size and sha256. `--out <dir>` writes elsewhere (e.g. to check
 * that two runs give identical bytes); `--force` is not offered: delete the file instead.
 */
import { statSync } from "node:fs";
import { parseArgs } from "node:util";
import { ensureGenerated, GENERATED_DIR, GENERATED_MODELS, generatedParameters, sha256 } from "./models.js";

const { values } = parseArgs({ options: { out: { type: "string", default: GENERATED_DIR } } });
for (const model of GENERATED_MODELS) {
  const started = performance.now();
  const path = ensureGenerated(model, values.out);
  const ms = Math.round(performance.now() - started);
  const params = (generatedParameters(model) / 1e6).toFixed(1);
  console.log(`${model.name}  ${params}M params  ${statSync(path).size} bytes  sha256 ${await sha256(path)}  ${path}  (${ms} ms)`);
}
