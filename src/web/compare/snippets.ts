import type { GenerationInputs, ImageInputs } from "../api.js";

export type SnippetKind = "curl" | "binding" | "openai";

export const SNIPPET_LABELS: Record<SnippetKind, string> = { curl: "curl", binding: "env.AI.run", openai: "OpenAI SDK" };

/** POSIX shell single quotes: safe for any text, newlines included. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** A JS object literal of `value` (JSON is one), indented to sit at `indent`. */
function literal(value: unknown, indent: string): string {
  return JSON.stringify(value, null, 2).replaceAll("\n", `\n${indent}`);
}

/**
 * Code that sends exactly the request a pane sent: the same model and body, to this server.
 * `origin` is the server's, e.g. `http://127.0.0.1:8787`.
 */
export function requestSnippet(kind: SnippetKind, origin: string, model: string, inputs: GenerationInputs): string {
  switch (kind) {
    case "curl":
      return [`curl -N ${shellQuote(`${origin}/ai/run/${model}`)} \\`, `  -H 'content-type: application/json' \\`, `  -d ${shellQuote(JSON.stringify(inputs))}`].join("\n");
    case "binding":
      return [
        "// A Worker with an AI binding (wrangler: [ai] binding = \"AI\"), or Outpost's createRemoteAi(origin) as env.AI.",
        "export default {",
        "  async fetch(request, env) {",
        `    const stream = await env.AI.run(${JSON.stringify(model)}, ${literal(inputs, "    ")});`,
        '    return new Response(stream, { headers: { "content-type": "text/event-stream" } });',
        "  },",
        "};",
      ].join("\n");
    case "openai": {
      const { max_tokens, ...rest } = inputs;
      return [
        'import OpenAI from "openai";',
        "",
        `const openai = new OpenAI({ baseURL: ${JSON.stringify(`${origin}/v1`)}, apiKey: "unused" });`,
        `const stream = await openai.chat.completions.create(${literal({ model, ...rest, max_tokens }, "")});`,
        'for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta?.content ?? "");',
      ].join("\n");
    }
  }
}

/**
 * Code that draws the picture the Images page drew: the same model and inputs, asking for the
 * PNG itself rather than the progress stream. An uploaded picture travels in the curl and
 * Worker code as sent (base64); the OpenAI SDK's edit reads it from a file, `start.png`.
 */
export function imageSnippet(kind: SnippetKind, origin: string, model: string, inputs: ImageInputs): string {
  const { stream: _progress, ...png } = inputs;
  switch (kind) {
    case "curl":
      return [`curl ${shellQuote(`${origin}/ai/run/${model}`)} \\`, `  -H 'content-type: application/json' \\`, `  -d ${shellQuote(JSON.stringify(png))} \\`, "  -o outpost.png"].join("\n");
    case "binding":
      return [
        "// A Worker with an AI binding (wrangler: [ai] binding = \"AI\"), or Outpost's createRemoteAi(origin) as env.AI.",
        "export default {",
        "  async fetch(request, env) {",
        `    const png = await env.AI.run(${JSON.stringify(model)}, ${literal(png, "    ")});`,
        '    return new Response(png, { headers: { "content-type": "image/png" } });',
        "  },",
        "};",
      ].join("\n");
    case "openai": {
      const { prompt, width, height, image_b64, mask: _mask, ...rest } = png;
      const size = width !== undefined && height !== undefined ? { size: `${width}x${height}` } : {};
      // Outpost's images endpoints also take the Workers AI fields (seed, num_steps, guidance, …).
      const request = { model, prompt, ...size, ...rest, response_format: "b64_json" };
      const call = image_b64 === undefined ? `openai.images.generate(${literal(request, "")})` : `openai.images.edit({ ...${literal(request, "")}, image: fs.createReadStream("start.png") })`;
      return [
        'import fs from "node:fs";',
        'import OpenAI from "openai";',
        "",
        `const openai = new OpenAI({ baseURL: ${JSON.stringify(`${origin}/v1`)}, apiKey: "unused" });`,
        `const answer = await ${call};`,
        'fs.writeFileSync("outpost.png", Buffer.from(answer.data[0].b64_json, "base64"));',
      ].join("\n");
    }
  }
}
