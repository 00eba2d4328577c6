import type { CatalogEntry } from "./types.js";

/** ViT-GPT2's files as transformers.js reads them (the stand-in has the same layout). */
const VIT_GPT2_FILES = [
  "config.json",
  "generation_config.json",
  "preprocessor_config.json",
  "special_tokens_map.json",
  "tokenizer.json",
  "tokenizer_config.json",
  "onnx/encoder_model.onnx",
  "onnx/decoder_model_merged.onnx",
].map((path) => ({ path }));

/**
 * Image-to-text models: the two Workers AI serves, which nothing here can run, and a
 * vision-encoder-decoder captioner that transformers.js runs. Alias a Workers AI id to the
 * captioner (`--alias @cf/unum/uform-gen2-qwen-500m=@outpost/vit-gpt2-image-captioning`) to
 * develop offline; the captioner has no text input, so `prompt` does not steer it.
 */
export const IMAGE_TO_TEXT_MODELS: CatalogEntry[] = [
  {
    id: "@cf/unum/uform-gen2-qwen-500m",
    task: "image-to-text",
    description: "Unum's UForm-Gen2, a compact vision-language model with a Qwen 500M decoder that captions images and answers questions about them.",
    // Published only as PyTorch with custom modelling code: no ONNX or GGUF export exists, so
    // the id answers ENGINE_UNAVAILABLE and has no artifact to pull.
    engine: "uform",
    properties: { beta: true, info: "https://huggingface.co/unum-cloud/uform-gen2-qwen-500m" },
  },
  {
    id: "@cf/llava-hf/llava-1.5-7b-hf",
    task: "image-to-text",
    description: "LLaVA 1.5 (7B): a CLIP ViT-L/336 vision encoder joined to Vicuna-7B, answering questions about an image in conversation.",
    // transformers.js has LLaVA's classes, but no export of this checkpoint in its layout
    // exists (the one ONNX export is a 28 GB split graph for onnxruntime-genai), so the id
    // answers ENGINE_UNAVAILABLE and has no artifact to pull.
    engine: "llava",
    properties: { beta: true, info: "https://huggingface.co/llava-hf/llava-1.5-7b-hf" },
  },
  {
    id: "@outpost/vit-gpt2-image-captioning",
    task: "image-to-text",
    description: "nlpconnect's ViT-GPT2 captioner (Apache-2.0), trained on COCO: one English sentence about the image. It takes no prompt.",
    engine: "transformers",
    properties: { beta: true, info: "https://huggingface.co/nlpconnect/vit-gpt2-image-captioning" },
    // transformers.js reads Xenova's ONNX export (fp32 graphs, tokenizer.json); file hashes not published here.
    artifact: {
      fileName: "vit-gpt2-image-captioning",
      huggingFace: { repo: "Xenova/vit-gpt2-image-captioning", path: "" },
      files: VIT_GPT2_FILES,
    },
  },
  // A random-weight stand-in (../shared/models/standins): ViT-GPT2's layout, I/O and GPT-2 vocabulary; its captions are gibberish.
  {
    id: "@outpost/vit-gpt2-tiny-standin",
    task: "image-to-text",
    description: "RANDOM WEIGHTS: a 5 MB stand-in with ViT-GPT2's exact ONNX layout, I/O and GPT-2 vocabulary. Its captions are gibberish; for tests and wiring only.",
    engine: "transformers",
    properties: { beta: true, standin: true },
    artifact: {
      fileName: "standins/vit-gpt2-tiny",
      files: [
        { path: "config.json", sizeBytes: 1174, sha256: "1d183c877150dfc0b5b0071cbdaa47a993776b018ce366e6b05d6a93e3669186" },
        { path: "generation_config.json", sizeBytes: 113, sha256: "f0480b69cb6f08becd29f345fafa3d77627f84164cbc1c8bad4c8967a016c5f8" },
        { path: "preprocessor_config.json", sizeBytes: 376, sha256: "938a6794a39f6b5499e06237146ad707cb14a5045dd91207e04ddd9c8f8b5e5e" },
        { path: "special_tokens_map.json", sizeBytes: 131, sha256: "dcd7b73902f0212f784d8cee5807943485554062ebdcc303b1c7d6b0d8d5a9ba" },
        { path: "tokenizer.json", sizeBytes: 1505866, sha256: "ef6047748d7da85362807f29e7a31cac52740e49d7b73a08f44bd8cc5dc92c70" },
        { path: "tokenizer_config.json", sizeBytes: 226, sha256: "f1cf37df9ad588fa7d3beeccf40c3dde77bf62d517764984b789e0f245f45ab1" },
        { path: "onnx/encoder_model.onnx", sizeBytes: 250981, sha256: "2df06c330ccab7ce26c61bea02af01bf5bb01007f8fea83bd555f8b866a4cba2" },
        { path: "onnx/decoder_model_merged.onnx", sizeBytes: 3534635, sha256: "688d02e5d762d7ca4fadfde468a80717e2b8a48dd99e5d3d84086e836c447c29" },
      ],
    },
  },
];
