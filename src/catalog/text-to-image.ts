import type { CatalogEntry } from "./types.js";

/**
 * The ONNX layout of SDXL's published export (optimum's `.onnx_data` holds weights past
 * protobuf's 2 GB limit). Sizes and digests could not be read here, so none is claimed: the
 * store hashes each file as it arrives and records that.
 */
const SDXL_ONNX_FILES = [
  "model_index.json",
  "scheduler/scheduler_config.json",
  "text_encoder/model.onnx",
  "text_encoder_2/model.onnx",
  "text_encoder_2/model.onnx_data",
  "tokenizer/merges.txt",
  "tokenizer/special_tokens_map.json",
  "tokenizer/tokenizer_config.json",
  "tokenizer/vocab.json",
  "tokenizer_2/merges.txt",
  "tokenizer_2/special_tokens_map.json",
  "tokenizer_2/tokenizer_config.json",
  "tokenizer_2/vocab.json",
  "unet/model.onnx",
  "unet/model.onnx_data",
  "vae_decoder/model.onnx",
  "vae_encoder/model.onnx",
].map((path) => ({ path }));

/** The files bench/images/make_sd15.py writes: optimum's SD 1.5 layout, weights past 2 GB in `.onnx_data`. */
const SD15_STANDIN_FILES = [
  "model_index.json",
  "scheduler/scheduler_config.json",
  "text_encoder/config.json",
  "text_encoder/model.onnx",
  "text_encoder/model.onnx_data",
  "tokenizer/merges.txt",
  "tokenizer/special_tokens_map.json",
  "tokenizer/tokenizer.json",
  "tokenizer/tokenizer_config.json",
  "tokenizer/vocab.json",
  "unet/config.json",
  "unet/model.onnx",
  "unet/model.onnx_data",
  "vae_decoder/config.json",
  "vae_decoder/model.onnx",
  "vae_encoder/config.json",
  "vae_encoder/model.onnx",
].map((path) => ({ path }));

/** Text-to-image models: the diffusion engine (onnxruntime-node over the diffusers ONNX layout). */
export const TEXT_TO_IMAGE_MODELS: CatalogEntry[] = [
  {
    id: "@cf/stabilityai/stable-diffusion-xl-base-1.0",
    task: "text-to-image",
    description: "Stability AI's SDXL 1.0 base model, which generates images from a text prompt (default 20 steps).",
    engine: "diffusion",
    properties: { beta: true, info: "https://huggingface.co/stabilityai/stable-diffusion-xl-base-1.0" },
    createdAt: "2023-11-10",
    imageGeneration: { scheduler: "euler", width: 1024, height: 1024, steps: 20, guidance: 7.5 },
    artifact: {
      fileName: "stable-diffusion-xl-base-1.0-onnx",
      huggingFace: { repo: "stabilityai/stable-diffusion-xl-base-1.0", path: "" },
      files: SDXL_ONNX_FILES,
    },
  },
  {
    id: "@cf/runwayml/stable-diffusion-v1-5-img2img",
    task: "text-to-image",
    description: "Stable Diffusion 1.5 in image-to-image mode: reworks an input image to follow a prompt.",
    engine: "diffusion",
    properties: { beta: true, info: "https://huggingface.co/runwayml/stable-diffusion-v1-5" },
    imageGeneration: { scheduler: "ddim", width: 512, height: 512, steps: 20, guidance: 7.5 },
    // No artifact: runwayml published the ONNX export on its repo's `onnx` branch and removed the
    // repo in 2024; whether the stable-diffusion-v1-5 mirror kept that branch, and at which commit,
    // could not be read here, and the catalog pins commits.
  },
  {
    id: "@cf/runwayml/stable-diffusion-v1-5-inpainting",
    task: "text-to-image",
    description: "Stable Diffusion 1.5 inpainting: fills the masked area of an image according to a prompt.",
    engine: "diffusion",
    properties: { beta: true, info: "https://huggingface.co/runwayml/stable-diffusion-inpainting" },
    imageGeneration: { scheduler: "ddim", width: 512, height: 512, steps: 20, guidance: 7.5 },
    // No artifact: the upstream repo (and its ONNX branch) is gone and no mirror of the export was verified.
  },
  {
    id: "@cf/lykon/dreamshaper-8-lcm",
    task: "text-to-image",
    description: "Lykon's DreamShaper 8, a Stable Diffusion 1.5 fine-tune distilled with LCM so it needs only a few steps.",
    engine: "diffusion",
    properties: { beta: true, info: "https://huggingface.co/Lykon/dreamshaper-8-lcm" },
    imageGeneration: { scheduler: "lcm", width: 512, height: 512, steps: 8, guidance: 1.5 },
    // No artifact: the repo ships diffusers safetensors only, and no ONNX export of it was found.
  },
  {
    id: "@cf/bytedance/stable-diffusion-xl-lightning",
    task: "text-to-image",
    description: "ByteDance's SDXL-Lightning, a distilled SDXL that makes 1024px images in a handful of steps.",
    engine: "diffusion",
    properties: { beta: true, info: "https://huggingface.co/ByteDance/SDXL-Lightning" },
    // Lightning was distilled on trailing timesteps, without guidance.
    imageGeneration: { scheduler: "euler", timestepSpacing: "trailing", width: 1024, height: 1024, steps: 4, guidance: 0 },
    // No artifact: ByteDance ships UNet checkpoints (safetensors) only; the ONNX pipeline has to be exported from one.
  },

  // ---- Random-weight stand-ins (../shared/models/standins): the real pipelines' files and I/O; their pictures are noise ----
  {
    id: "@outpost/sd-tiny-standin",
    task: "text-to-image",
    description: "RANDOM WEIGHTS: a 9 MB stand-in with Stable Diffusion 1.5's exact ONNX layout and I/O. Its pictures are noise; for tests and wiring only.",
    engine: "diffusion",
    properties: { beta: true, standin: true },
    imageGeneration: { scheduler: "ddim", width: 256, height: 256, steps: 4, guidance: 7.5 },
    artifact: {
      fileName: "standins/sd-tiny",
      files: [
        { path: "model_index.json", sizeBytes: 636, sha256: "9d061750269e07a58db01c855e1a62723ec31ca4ce087785483add68344f79fd" },
        { path: "scheduler/scheduler_config.json", sizeBytes: 307, sha256: "ae7e6e078c4ead69a59ce0f03793b389c1a7392f54a77c811c58c7be1b737c8d" },
        { path: "text_encoder/config.json", sizeBytes: 395, sha256: "d57f34c10104c5322200846cfacb6138043a33bab7b7a3c6d61a8a36beae2b8c" },
        { path: "text_encoder/model.onnx", sizeBytes: 1715954, sha256: "df3f304e2562afa2b5a8b147452c8f3aa767883beaa647ac4d0a6de2ee5dc1a4" },
        { path: "tokenizer/merges.txt", sizeBytes: 448194, sha256: "9fec686c3d8e0c77bb4bc4e8c45e43968b3596777dd916cb4e1b52424f6d90ea" },
        { path: "tokenizer/special_tokens_map.json", sizeBytes: 133, sha256: "841c138373f4f9dd8a6b07a2e4d19b1e62b5364d7e09c41762bab5f7b851eb7f" },
        { path: "tokenizer/tokenizer.json", sizeBytes: 1480352, sha256: "c431ed2b30ee828e337c16044891f6d1d44d77261706d25b8d419dca46f3dc10" },
        { path: "tokenizer/tokenizer_config.json", sizeBytes: 245, sha256: "75372aad10b2548f4519e0f088a57b936a21a6554a3b0b7c92824489c7bd9499" },
        { path: "tokenizer/vocab.json", sizeBytes: 882920, sha256: "c14b5a656d833e0efb9aa4183bd127f8c64133cd883ef5122cb80b74c31107c9" },
        { path: "unet/config.json", sizeBytes: 512, sha256: "4f986b4fd19acb3fd4a6ccf030b46d4b4c8fbd71c02a40277f001a08dacd4332" },
        { path: "unet/model.onnx", sizeBytes: 4156189, sha256: "644afe9daa639fa6815ea14799a0d2a5dd7518ee3a079a99e633ff83794ca16b" },
        { path: "vae_decoder/config.json", sizeBytes: 263, sha256: "7676db9f25a6e19db5c6a66d8219e7fbcd9f32cc29a40fd8809a148075a3a4c2" },
        { path: "vae_decoder/model.onnx", sizeBytes: 254288, sha256: "00a331e99b8e3c1d9034705a430078e430c957aaff7a2c61f79796f039aa8692" },
        { path: "vae_encoder/config.json", sizeBytes: 263, sha256: "7676db9f25a6e19db5c6a66d8219e7fbcd9f32cc29a40fd8809a148075a3a4c2" },
        { path: "vae_encoder/model.onnx", sizeBytes: 258855, sha256: "e2a1fc777e029003d986ceff37012ae4c1cc34a384f41be6d758533803489835" },
      ],
    },
  },
  {
    id: "@outpost/sd15-standin",
    task: "text-to-image",
    description: "RANDOM WEIGHTS: Stable Diffusion 1.5's full-size UNet (860M parameters) and text encoder with the tiny stand-in's VAE, 3.9 GB. Made by bench/images/make_sd15.py, not shipped; for measuring the cost per step. Its pictures are noise.",
    engine: "diffusion",
    properties: { beta: true, standin: true },
    imageGeneration: { scheduler: "ddim", width: 512, height: 512, steps: 4, guidance: 7.5 },
    // Generated on the machine that runs it, so no size or digest can be pinned: the store records them at the first pull.
    artifact: { fileName: "sd15-standin", files: SD15_STANDIN_FILES },
  },
  {
    id: "@outpost/sd-inpaint-tiny-standin",
    task: "text-to-image",
    description: "RANDOM WEIGHTS: a stand-in with the SD 1.5 inpainting pipeline's layout (9-channel UNet). Its pictures are noise; for tests and wiring only.",
    engine: "diffusion",
    properties: { beta: true, standin: true },
    imageGeneration: { scheduler: "ddim", width: 256, height: 256, steps: 4, guidance: 7.5 },
    artifact: {
      fileName: "standins/sd-inpaint-tiny",
      files: [
        { path: "model_index.json", sizeBytes: 649, sha256: "c27334fb00f096d314a993c58d5ef81828a97d9b3c21ac03e645cda251678485" },
        { path: "scheduler/scheduler_config.json", sizeBytes: 307, sha256: "ae7e6e078c4ead69a59ce0f03793b389c1a7392f54a77c811c58c7be1b737c8d" },
        { path: "text_encoder/config.json", sizeBytes: 395, sha256: "d57f34c10104c5322200846cfacb6138043a33bab7b7a3c6d61a8a36beae2b8c" },
        { path: "text_encoder/model.onnx", sizeBytes: 1715954, sha256: "df3f304e2562afa2b5a8b147452c8f3aa767883beaa647ac4d0a6de2ee5dc1a4" },
        { path: "tokenizer/merges.txt", sizeBytes: 448194, sha256: "9fec686c3d8e0c77bb4bc4e8c45e43968b3596777dd916cb4e1b52424f6d90ea" },
        { path: "tokenizer/special_tokens_map.json", sizeBytes: 133, sha256: "841c138373f4f9dd8a6b07a2e4d19b1e62b5364d7e09c41762bab5f7b851eb7f" },
        { path: "tokenizer/tokenizer.json", sizeBytes: 1480352, sha256: "c431ed2b30ee828e337c16044891f6d1d44d77261706d25b8d419dca46f3dc10" },
        { path: "tokenizer/tokenizer_config.json", sizeBytes: 245, sha256: "75372aad10b2548f4519e0f088a57b936a21a6554a3b0b7c92824489c7bd9499" },
        { path: "tokenizer/vocab.json", sizeBytes: 882920, sha256: "c14b5a656d833e0efb9aa4183bd127f8c64133cd883ef5122cb80b74c31107c9" },
        { path: "unet/config.json", sizeBytes: 512, sha256: "e0d7e2a017d5e73042ac309ed5d3c532d438a7c8883c974e6a530d8f26558a81" },
        { path: "unet/model.onnx", sizeBytes: 4161949, sha256: "68658acf15bd4a1aa226a9e435f6457853375f3e8a25efc698c79b12ecb92aa5" },
        { path: "vae_decoder/config.json", sizeBytes: 263, sha256: "7676db9f25a6e19db5c6a66d8219e7fbcd9f32cc29a40fd8809a148075a3a4c2" },
        { path: "vae_decoder/model.onnx", sizeBytes: 254288, sha256: "9a37de1acb75c2c133aaf18b0c0f6851120459e24ca4a636abe42a2eb2f8e62a" },
        { path: "vae_encoder/config.json", sizeBytes: 263, sha256: "7676db9f25a6e19db5c6a66d8219e7fbcd9f32cc29a40fd8809a148075a3a4c2" },
        { path: "vae_encoder/model.onnx", sizeBytes: 258855, sha256: "1799712d08fb9a074fb05544007c3f3f7267b51e1b4ec1f95dc5fcdc278211ba" },
      ],
    },
  },
  {
    id: "@outpost/sdxl-tiny-standin",
    task: "text-to-image",
    description: "RANDOM WEIGHTS: a 14 MB stand-in with SDXL's exact ONNX layout and I/O (two text encoders). Its pictures are noise; for tests and wiring only.",
    engine: "diffusion",
    properties: { beta: true, standin: true },
    imageGeneration: { scheduler: "euler", width: 256, height: 256, steps: 4, guidance: 7.5 },
    artifact: {
      fileName: "standins/sdxl-tiny",
      files: [
        { path: "model_index.json", sizeBytes: 697, sha256: "dfed97bbdaacedab377ad17d0118005db852dd072e67a7fe98822b4f04b7f0d7" },
        { path: "scheduler/scheduler_config.json", sizeBytes: 440, sha256: "53f07f8791072f2d4ec4081422be83f6bd0741c7200d62b68d4e3669ca02608c" },
        { path: "text_encoder/config.json", sizeBytes: 395, sha256: "d57f34c10104c5322200846cfacb6138043a33bab7b7a3c6d61a8a36beae2b8c" },
        { path: "text_encoder/model.onnx", sizeBytes: 1716123, sha256: "26691405a7f2293be3ae9e8c168ecd6b7454db7d1ca070325ddbb45a2c552251" },
        { path: "text_encoder_2/config.json", sizeBytes: 409, sha256: "9321448379bfb54f7700794c6c7b73455d8eeb4c22f2a7c80670715a22b6b6ce" },
        { path: "text_encoder_2/model.onnx", sizeBytes: 1720352, sha256: "68a09c04ccd451f4e171251dcdb12655bec6c8c598de5aaa0cd6b5cb1da7f658" },
        { path: "tokenizer/merges.txt", sizeBytes: 448194, sha256: "9fec686c3d8e0c77bb4bc4e8c45e43968b3596777dd916cb4e1b52424f6d90ea" },
        { path: "tokenizer/special_tokens_map.json", sizeBytes: 133, sha256: "841c138373f4f9dd8a6b07a2e4d19b1e62b5364d7e09c41762bab5f7b851eb7f" },
        { path: "tokenizer/tokenizer.json", sizeBytes: 1480352, sha256: "c431ed2b30ee828e337c16044891f6d1d44d77261706d25b8d419dca46f3dc10" },
        { path: "tokenizer/tokenizer_config.json", sizeBytes: 245, sha256: "75372aad10b2548f4519e0f088a57b936a21a6554a3b0b7c92824489c7bd9499" },
        { path: "tokenizer/vocab.json", sizeBytes: 882920, sha256: "c14b5a656d833e0efb9aa4183bd127f8c64133cd883ef5122cb80b74c31107c9" },
        { path: "tokenizer_2/merges.txt", sizeBytes: 448194, sha256: "9fec686c3d8e0c77bb4bc4e8c45e43968b3596777dd916cb4e1b52424f6d90ea" },
        { path: "tokenizer_2/special_tokens_map.json", sizeBytes: 121, sha256: "7c50aa6489aa24ace5fa3ed23a2002b0be2ef52cd8b0e1e3026e3e3479237a07" },
        { path: "tokenizer_2/tokenizer.json", sizeBytes: 1480352, sha256: "c431ed2b30ee828e337c16044891f6d1d44d77261706d25b8d419dca46f3dc10" },
        { path: "tokenizer_2/tokenizer_config.json", sizeBytes: 233, sha256: "56b048bf8ee2dfba57092d930a2655d29ee47bd33f616fe3775b397dff55631d" },
        { path: "tokenizer_2/vocab.json", sizeBytes: 882920, sha256: "c14b5a656d833e0efb9aa4183bd127f8c64133cd883ef5122cb80b74c31107c9" },
        { path: "unet/config.json", sizeBytes: 630, sha256: "63dd2b06df390299f9f8a55bf99bff8488afed448c6b90518eadab73d5af8bbd" },
        { path: "unet/model.onnx", sizeBytes: 4314258, sha256: "8530b194c88d523a82f7140ab3107eac40c5a3283f00b16f061aec8d30c44775" },
        { path: "vae_decoder/config.json", sizeBytes: 288, sha256: "f62f5ac8ed8076d1e06a74b1aba58521c51a2f536cb9808c42f0338fd2d27e8b" },
        { path: "vae_decoder/model.onnx", sizeBytes: 254288, sha256: "4eccf1f7fd3cf7ec4751a7c48fc46135eaab496e4129dd970d4da22d77ef50e4" },
        { path: "vae_encoder/config.json", sizeBytes: 288, sha256: "f62f5ac8ed8076d1e06a74b1aba58521c51a2f536cb9808c42f0338fd2d27e8b" },
        { path: "vae_encoder/model.onnx", sizeBytes: 258855, sha256: "286cacf0cb3ecdb70c30927db424e25987c8f5b2496ac2dc0d7e6ee94a7cc5c4" },
      ],
    },
  },
];
