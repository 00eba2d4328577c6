import { writeFile } from "node:fs/promises";
import { extname } from "node:path";
import { OutpostError, SPEECH_FORMATS, type SpeechFormat } from "../contract/index.js";
import type { Outpost } from "./outpost.js";

/** The text-to-speech options of `outpost run`; unset ones take the model's defaults. */
export interface SpeechFlags {
  lang?: string;
  voice?: string;
  speed?: number;
}

/** A file name's own format (`.ogg` holds Opus), else MP3. */
function formatOf(output: string | undefined): SpeechFormat {
  const extension = output === undefined ? "" : extname(output).slice(1).toLowerCase();
  if (extension === "ogg") return "opus";
  return Object.hasOwn(SPEECH_FORMATS, extension) ? (extension as SpeechFormat) : "mp3";
}

/**
 * Text-to-speech: writes the audio to `output` in the format its extension names (.mp3, .wav,
 * .flac, .opus or .ogg, .aac, .pcm; MP3 for any other), or MP3 to stdout when that is a pipe.
 */
export async function speak(outpost: Outpost, model: string, prompt: string, flags: SpeechFlags, output: string | undefined, signal: AbortSignal): Promise<number> {
  const format = formatOf(output);
  const inputs = {
    prompt,
    ...(flags.lang === undefined ? {} : { lang: flags.lang }),
    ...(flags.voice === undefined ? {} : { voice: flags.voice }),
    ...(flags.speed === undefined ? {} : { speed: flags.speed }),
    format,
  };
  const result = await outpost.run(model, inputs, { signal });
  if (result.kind !== "json") throw new OutpostError("INTERNAL", `${model} answered without audio`);
  const audio = Buffer.from((result.value as { audio: string }).audio, "base64");
  if (output === undefined) process.stdout.write(audio);
  else {
    await writeFile(output, audio);
    process.stderr.write(`wrote ${output} (${format.toUpperCase()}, ${audio.byteLength} bytes)\n`);
  }
  return 0;
}
