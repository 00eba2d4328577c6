import { Hono } from "hono";
import { OutpostError, SPEECH_FORMATS, type SpeechFormat } from "../contract/index.js";
import { bodyLimitsFor } from "../tasks/index.js";
import type { BodyReader } from "./body.js";
import type { ApiDeps } from "./deps.js";
import { openAiError, requireBody, requireModel } from "./openai.js";
import { runOptions } from "./run-options.js";

function responseFormat(format: unknown): SpeechFormat {
  if (format === undefined || format === null) return "mp3";
  if (typeof format === "string" && Object.hasOwn(SPEECH_FORMATS, format)) return format as SpeechFormat;
  throw new OutpostError("INPUT_INVALID", `Invalid input at '/response_format': expected one of ${Object.keys(SPEECH_FORMATS).join(", ")}, not ${JSON.stringify(format)}`);
}

/** OpenAI calls the text `input`; the task, as Workers AI, `prompt`: its errors name the field the caller sent. */
function asOpenAiField(error: unknown): never {
  if (error instanceof OutpostError && error.code === "INPUT_INVALID") throw new OutpostError("INPUT_INVALID", error.message.replace("'/prompt'", "'/input'"), { cause: error });
  throw error;
}

/** `POST /v1/audio/speech`: OpenAI's speech API over the text-to-speech task, answering the audio bytes. */
export function openAiSpeechRoutes(deps: ApiDeps, body: BodyReader): Hono {
  const app = new Hono();

  app.post("/", async (c) => {
    try {
      const request = await body.read(c, bodyLimitsFor("text-to-speech")).then((parsed) => {
        const fields = requireBody(parsed);
        const model = requireModel(c, deps, fields, "text-to-speech");
        const format = responseFormat(fields.response_format);
        if (fields.stream_format !== undefined && fields.stream_format !== null && fields.stream_format !== "audio") {
          throw new OutpostError("INPUT_INVALID", "Invalid input at '/stream_format': Outpost sends the audio whole; expected 'audio'");
        }
        // `lang` is Outpost's (MeloTTS's languages); OpenAI's models find the language themselves.
        const inputs: Record<string, unknown> = { prompt: fields.input, voice: fields.voice, format };
        if (fields.speed !== undefined && fields.speed !== null) inputs.speed = fields.speed;
        if (fields.lang !== undefined) inputs.lang = fields.lang;
        return { format, result: deps.run(model, inputs, runOptions(c, fields.options)) };
      });
      const result = await request.result.catch(asOpenAiField);
      if (result.kind !== "json") throw new OutpostError("INTERNAL", "The model returned no audio");
      const { audio } = result.value as { audio: string };
      return new Response(Buffer.from(audio, "base64"), { headers: { "content-type": SPEECH_FORMATS[request.format] } });
    } catch (error) {
      return openAiError(error);
    }
  });

  return app;
}
