import { readFile, writeFile } from "node:fs/promises";
import { buffer, text } from "node:stream/consumers";
import { OutpostError } from "../contract/index.js";
import type { Config } from "../config/index.js";
import { reportFailure } from "./report.js";
import { createOutpost, type Outpost } from "./outpost.js";
import { requireKnownModel } from "./known-model.js";
import { pullModel } from "./pull.js";
import { speak, type SpeechFlags } from "./speak.js";
import { IMAGE_TASKS, look } from "./look.js";

/**
 * At a terminal, a model that is not local is pulled first (with progress), as `ollama run`
 * does, through the same deduplicated pull as `outpost pull`. The HTTP API never pulls on a
 * request: a run call would hang for minutes with no progress, and any client could fill the
 * disk; it answers MODEL_NOT_LOCAL and `POST /api/pull` is the explicit way.
 */
async function pullIfMissing(outpost: Outpost, model: string): Promise<void> {
  const entry = outpost.catalog.find(outpost.catalog.resolve(model));
  if (!entry?.artifact) return;
  try {
    await outpost.store.resolve(entry);
  } catch (error) {
    if (!(error instanceof OutpostError && error.code === "MODEL_NOT_LOCAL")) throw error;
    await pullModel(outpost, model, process.stderr);
  }
}

/** `outpost run`'s own options; unset ones take the model's defaults. */
export interface RunFlags {
  maxTokens?: number;
  temperature?: number;
  seed?: number;
  /** A system message: the request becomes chat messages instead of a plain prompt. */
  system?: string;
  /** Print the whole result object (`response`, `usage`) instead of streaming the text. */
  json?: boolean;
  /** Text-to-image and text-to-speech: where the PNG or the audio goes; without it, stdout, unless that is a terminal. */
  output?: string;
  image?: ImageFlags;
  speech?: SpeechFlags;
}

/** The text-to-image options of `outpost run`; files are paths, read here and sent as bytes. */
export interface ImageFlags {
  negative?: string;
  width?: number;
  height?: number;
  steps?: number;
  guidance?: number;
  strength?: number;
  /** img2img: the picture to start from. */
  image?: string;
  /** Inpainting: white where the picture is repainted. */
  mask?: string;
}

/** Whether any of a task's options was given: they mean nothing to a model of another task, so that is an error. */
function given(flags: object | undefined): boolean {
  return Object.values(flags ?? {}).some((value) => value !== undefined);
}

/** `outpost run <model> [prompt]`: streams tokens to stdout; reads the prompt from stdin if none given. */
export async function run(config: Config, model: string, prompt: string | undefined, flags: RunFlags = {}): Promise<number> {
  const outpost = createOutpost(config);
  const abort = new AbortController();
  process.once("SIGINT", () => {
    abort.abort();
    outpost.store.close();
  });
  try {
    requireKnownModel(outpost, model);
    const task = outpost.catalog.find(outpost.catalog.resolve(model))?.task;
    const is = `${model} is ${task ?? "not in the catalog"}`;
    if (task !== "text-to-image" && given(flags.image)) throw new OutpostError("INPUT_INVALID", `--negative, --width, --height, --steps, --guidance, --strength, --image and --mask are for text-to-image models; ${is}`);
    if (task !== "text-to-speech" && given(flags.speech)) throw new OutpostError("INPUT_INVALID", `--lang, --voice and --speed are for text-to-speech models; ${is}`);
    if (task !== "text-to-image" && task !== "text-to-speech" && flags.output !== undefined) throw new OutpostError("INPUT_INVALID", `-o is for text-to-image and text-to-speech models; ${is}`);
    if ((task === "text-to-image" || task === "text-to-speech") && !flags.output && process.stdout.isTTY) {
      throw new OutpostError("INPUT_INVALID", `Give -o <file> for the ${task === "text-to-image" ? "picture" : "audio"} (or redirect stdout): it is not for the terminal`);
    }
    await pullIfMissing(outpost, model);
    if (task === "speech-recognition") return await transcribe(outpost, model, prompt, flags.json === true, abort.signal);
    if (task && IMAGE_TASKS.has(task)) return await look(outpost, model, task, prompt, flags, abort.signal);
    const input = prompt ?? (await text(process.stdin)).trim();
    if (task === "text-to-image") return await drawImage(outpost, model, input, flags, abort.signal);
    if (task === "text-to-speech") return await speak(outpost, model, input, flags.speech ?? {}, flags.output, abort.signal);
    const inputs = {
      ...(flags.system === undefined ? { prompt: input } : { messages: [{ role: "system", content: flags.system }, { role: "user", content: input }] }),
      ...(flags.maxTokens === undefined ? {} : { max_tokens: flags.maxTokens }),
      ...(flags.temperature === undefined ? {} : { temperature: flags.temperature }),
      ...(flags.seed === undefined ? {} : { seed: flags.seed }),
      stream: !flags.json,
    };
    const result = await outpost.run(model, inputs, { signal: abort.signal });
    if (flags.json) {
      if (result.kind !== "json") throw new OutpostError("INPUT_INVALID", `${model} does not answer with JSON`);
      process.stdout.write(`${JSON.stringify(result.value, null, 2)}\n`);
      return 0;
    }
    if (result.kind !== "events") throw new OutpostError("INPUT_INVALID", `${model} is not a text-generation model`);
    for await (const event of result.events) {
      if (event.type === "token") process.stdout.write(event.text);
      else if (event.type === "error") throw OutpostError.fromWire(event.error);
    }
    process.stdout.write("\n");
    return 0;
  } catch (error) {
    return reportFailure(error);
  } finally {
    outpost.close();
  }
}

/**
 * Text-to-image: asks for the progress stream, so a terminal sees `step k/n` on stderr, and
 * writes the PNG it ends with to the file (or to stdout when that is a pipe).
 */
async function drawImage(outpost: Outpost, model: string, prompt: string, flags: RunFlags, signal: AbortSignal): Promise<number> {
  const image = flags.image ?? {};
  const inputs = {
    prompt,
    ...(image.negative === undefined ? {} : { negative_prompt: image.negative }),
    ...(image.width === undefined ? {} : { width: image.width }),
    ...(image.height === undefined ? {} : { height: image.height }),
    ...(image.steps === undefined ? {} : { num_steps: image.steps }),
    ...(image.guidance === undefined ? {} : { guidance: image.guidance }),
    ...(image.strength === undefined ? {} : { strength: image.strength }),
    ...(flags.seed === undefined ? {} : { seed: flags.seed }),
    ...(image.image === undefined ? {} : { image_b64: (await readFile(image.image)).toString("base64") }),
    ...(image.mask === undefined ? {} : { mask: [...(await readFile(image.mask))] }),
    stream: true,
  };
  const result = await outpost.run(model, inputs, { signal });
  if (result.kind !== "bytes") throw new OutpostError("INTERNAL", `${model} answered without a picture`);
  const progress = process.stderr.isTTY;
  let pending = "";
  let png: Buffer | undefined;
  const reader = result.body.getReader();
  const decoder = new TextDecoder();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    pending += decoder.decode(read.value, { stream: true });
    let end: number;
    while ((end = pending.indexOf("\n\n")) >= 0) {
      const data = pending.slice(0, end).replace(/^data: /, "");
      pending = pending.slice(end + 2);
      if (data === "[DONE]") continue;
      const event = JSON.parse(data) as { step?: number; steps?: number; image?: string };
      if (event.image !== undefined) png = Buffer.from(event.image, "base64");
      else if (progress) process.stderr.write(`\rstep ${event.step}/${event.steps}`);
    }
  }
  if (progress) process.stderr.write("\n");
  if (!png) throw new OutpostError("INTERNAL", `${model} ended its stream without a picture`);
  if (flags.output) {
    await writeFile(flags.output, png);
    process.stderr.write(`wrote ${flags.output} (${png.byteLength} bytes)\n`);
  } else process.stdout.write(png);
  return 0;
}

/** Speech recognition: the argument is an audio file (stdin if omitted); prints the transcript, or with --json the whole answer (words and their times). */
async function transcribe(outpost: Outpost, model: string, file: string | undefined, json: boolean, signal: AbortSignal): Promise<number> {
  const audio = file === undefined ? await buffer(process.stdin) : await readFile(file);
  const result = await outpost.run(model, { audio: new Uint8Array(audio.buffer, audio.byteOffset, audio.byteLength) }, { signal });
  if (result.kind !== "json") throw new OutpostError("INTERNAL", `${model} answered without a transcript`);
  const answer = result.value as { text: string };
  process.stdout.write(json ? `${JSON.stringify(answer, null, 2)}\n` : `${answer.text}\n`);
  return 0;
}
