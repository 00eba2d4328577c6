// The Workers AI launch demo: Mistral 7B and Llama 2 answer the same question side by side,
// each under its own editable system prompt. GET / is the page; POST /api/chat streams one side.
const SIDES = {
  mistral: { label: "Mistral 7B Instruct", model: (env) => env.MISTRAL_MODEL, system: "You are a helpful assistant. Answer briefly." },
  llama: { label: "Llama 2 7B Chat", model: (env) => env.LLAMA_MODEL, system: "You are a helpful assistant. Answer like a pirate." },
};

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (request.method === "GET" && pathname === "/") {
      return new Response(page(env), { headers: { "content-type": "text/html; charset=utf-8" } });
    }
    if (request.method === "POST" && pathname === "/api/chat") {
      const { side, system, messages } = await request.json();
      if (!Object.hasOwn(SIDES, side) || typeof system !== "string" || !Array.isArray(messages)) {
        return Response.json({ error: "expected {side: 'mistral' | 'llama', system: string, messages: [...]}" }, { status: 400 });
      }
      try {
        const stream = await env.AI.run(SIDES[side].model(env), { messages: [{ role: "system", content: system }, ...messages], stream: true });
        return new Response(stream, { headers: { "content-type": "text/event-stream" } });
      } catch (error) {
        return Response.json({ error: error.message }, { status: 502 });
      }
    }
    return new Response("not found", { status: 404 });
  },
};

const escape = (text) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function page(env) {
  const panes = Object.entries(SIDES)
    .map(([side, { label, model, system }]) => `<section data-side="${side}">
  <h2>${escape(label)} <small>${escape(model(env))}</small></h2>
  <label>System prompt <textarea name="system" rows="3">${escape(system)}</textarea></label>
  <div class="log"></div>
</section>`)
    .join("\n");
  return `<!doctype html>
<meta charset="utf-8">
<title>Mistral vs Llama 2</title>
<style>
  body { font: 15px system-ui, sans-serif; margin: 1.5rem; }
  main { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5rem; }
  textarea, input { width: 100%; box-sizing: border-box; font: inherit; }
  .log p { white-space: pre-wrap; margin: .4rem 0; } .user { font-weight: 600; } .error { color: #b00; }
</style>
<main>
${panes}
</main>
<form><input name="message" placeholder="Ask both models…" autofocus></form>
<script>
const history = { mistral: [], llama: [] };
document.querySelector("form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = event.target.message;
  const content = input.value.trim();
  input.value = "";
  if (content) for (const pane of document.querySelectorAll("section")) ask(pane, content);
});

async function ask(pane, content) {
  const side = pane.dataset.side;
  const log = pane.querySelector(".log");
  history[side].push({ role: "user", content });
  log.insertAdjacentHTML("beforeend", '<p class="user"></p><p></p>');
  log.children[log.children.length - 2].textContent = content;
  const answer = log.lastElementChild;
  const res = await fetch("/api/chat", {
    method: "POST",
    body: JSON.stringify({ side, system: pane.querySelector("textarea").value, messages: history[side] }),
  });
  if (!res.ok) {
    answer.className = "error";
    answer.textContent = (await res.json()).error;
    return;
  }
  // The body is server-sent events: "data: {json}" lines, ending with "data: [DONE]".
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    const lines = buffer.split("\\n");
    buffer = lines.pop();
    for (const line of lines) {
      if (!line.startsWith("data: ") || line === "data: [DONE]") continue;
      answer.textContent += JSON.parse(line.slice(6)).response ?? "";
    }
  }
  history[side].push({ role: "assistant", content: answer.textContent });
}
</script>
`;
}
