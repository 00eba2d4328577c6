/** Reads an SSE response body event by event (the `data:` payloads), calling `onData` for each. */
export async function readSse(body: ReadableStream<Uint8Array>, onData: (data: string, raw: string) => void | "stop"): Promise<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let pending = "";
  while (true) {
    const { done, value } = await reader.read();
    if (done) return text;
    const chunk = decoder.decode(value, { stream: true });
    text += chunk;
    pending += chunk;
    let end: number;
    while ((end = pending.indexOf("\n\n")) >= 0) {
      const raw = pending.slice(0, end + 2);
      pending = pending.slice(end + 2);
      const data = raw.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
      if (onData(data, raw) === "stop") {
        await reader.cancel();
        return text;
      }
    }
  }
}
