/**
 * `npm run test:gpu`: the serving suites with `--gpu cuda` (OUTPOST_GPU, which the servers they
 * start inherit), on a machine with an NVIDIA GPU. Without one it says so and exits 0, so no CI
 * step needs a GPU; test/e2e/gpu.test.ts then asserts the backend really is CUDA.
 */
import { spawnSync } from "node:child_process";
import { getLlamaGpuTypes } from "node-llama-cpp";

const SUITES = [
  "test/e2e/gpu.test.ts",
  "test/e2e/serving-admission.test.ts",
  "test/e2e/serving-residency.test.ts",
  "test/e2e/serving-isolation.test.ts",
  "test/e2e/embeddings.test.ts",
  "test/e2e/openai.test.ts",
  "test/e2e/structured.test.ts",
  "test/e2e/text-to-image.test.ts",
];

if (!(await getLlamaGpuTypes("supported")).includes("cuda")) {
  console.log("test:gpu: no GPU on this machine (node-llama-cpp found no CUDA driver and runtime): skipped, nothing was run on a GPU");
  process.exit(0);
}
const step = (command: string, args: string[]) => spawnSync(command, args, { stdio: "inherit", env: { ...process.env, OUTPOST_GPU: "cuda" } }).status ?? 1;
const built = step("npm", ["run", "build", "--silent"]);
if (built !== 0) process.exit(built);
process.exit(step(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=1", "--test-reporter=spec", ...SUITES]));
