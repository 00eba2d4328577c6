/**
 * A peer server side: any server already running with an OpenAI-compatible streaming
 * `/v1/completions` (llama-server, vLLM, Ollama, or another Outpost), driven like the
 * `outpost` side. Debian 12 packages no llama.cpp and npm no llama-server binary, so none
 * is started here: run it yourself with the same model file, threads and parallel slots,
 * and pass `--sides raw,outpost,peer --peer-url http://127.0.0.1:8080/v1 --peer-model <name>`.
 * Its CPU is not charged (it is not our child), so its "other load" counts it as other work.
 */
import { streamSse } from "./outpost.js";
import type { ServingSide } from "./sides.js";

export async function openPeer(baseUrl: string, model: string): Promise<ServingSide> {
  const url = `${baseUrl.replace(/\/$/, "")}/completions`;
  const request = (prompt: string, maxTokens: number) =>
    streamSse(url, JSON.stringify({ model, prompt, max_tokens: maxTokens, temperature: 0, stream: true, stream_options: { include_usage: true } }), (payload) => {
      const data = JSON.parse(payload) as { choices?: { text?: string }[]; usage?: { completion_tokens: number } | null };
      return { text: data.choices?.[0]?.text, tokens: data.usage?.completion_tokens };
    });
  const probe = await request("Once upon a time", 1);
  if (probe.status !== 200) throw new Error(`peer ${url} answered HTTP ${probe.status} for model '${model}'`);
  return { request, cpuMs: () => ({}), [Symbol.asyncDispose]: async () => undefined };
}
