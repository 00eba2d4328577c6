import { writeFile } from "node:fs/promises";
import { extname } from "node:path";
import { OutpostError } from "../contract/index.js";
import type { Outpost } from "./outpost.js";

/** The text-to-speech options of `outpost run`; unset ones take the model's defaults. */
export interface SpeechFlags {
  lang?: string;
  voice?: string;
  speed?: number;
}

/**
 * Text-to-speech: writes the audio to `output` (WAV when its name ends in .wav, else MP3), or
 * MP3 to stdout when that is a pipe.
 */
export async function speak(outpost: Outpost, model: string, prompt: string, flags: SpeechFlags, output: string | undefined, signal: AbortSignal): Promise<number> {
  const format = output !== undefined && extname(output).toLowerCase() === ".wav" ? "wav" : "mp3";
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
