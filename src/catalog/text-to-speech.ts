import type { CatalogEntry } from "./types.js";

/** Text-to-speech models: MeloTTS as Workers AI serves it, and espeak-ng, which Outpost runs. */
export const TEXT_TO_SPEECH_MODELS: CatalogEntry[] = [
  {
    id: "@cf/myshell-ai/melotts",
    task: "text-to-speech",
    description: "MeloTTS is a high-quality multi-lingual text-to-speech library by MyShell.ai.",
    // No MeloTTS runtime exists for Node: the id answers ENGINE_UNAVAILABLE. Alias it to
    // @outpost/espeak-ng (`--alias @cf/myshell-ai/melotts=@outpost/espeak-ng`) to develop offline.
    engine: "melotts",
    properties: { info: "https://huggingface.co/myshell-ai/MeloTTS-English" },
    // MeloTTS keeps one checkpoint per language in its own repo (-English, -Spanish, -French,
    // -Chinese, -Japanese, -Korean); the English one is listed. Sizes and digests were not readable here.
    artifact: {
      fileName: "MeloTTS-English",
      huggingFace: { repo: "myshell-ai/MeloTTS-English", path: "" },
      files: [{ path: "checkpoint.pth" }, { path: "config.json" }],
    },
  },
  {
    id: "@outpost/espeak-ng",
    task: "text-to-speech",
    description:
      "eSpeak NG, a formant speech synthesizer (Debian's espeak-ng program), in MeloTTS's six languages with Workers AI's {audio: base64 MP3} output. Robotic but real speech, with no weights to pull.",
    engine: "espeak",
    properties: { info: "https://github.com/espeak-ng/espeak-ng", languages: ["en", "es", "fr", "zh", "jp", "kr"] },
    programs: ["espeak-ng", "lame"],
  },
];
