// A coloring-book page maker in the shape of the Workers AI launch demo: Hono, the @cloudflare/ai
// 1.0 SDK's `new Ai(env.AI)`, SDXL by its real id, and the PNG handed back as a data: URL. Offline,
// Outpost serves the id through an alias (README, "Use with Workers").
import { Ai } from "@cloudflare/ai";
import { Hono } from "hono";

const SDXL = "@cf/stabilityai/stable-diffusion-xl-base-1.0";

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>Coloring book page maker</title>
<h1>Coloring book page maker</h1>
<form>
  <input name="prompt" placeholder="a lighthouse on a cliff" required>
  <button>Draw</button>
</form>
<div id="page"></div>
<script>
  document.querySelector("form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const prompt = new FormData(event.target).get("prompt");
    const res = await fetch("/ai", { method: "POST", body: JSON.stringify({ prompt }) });
    const target = document.getElementById("page");
    target.replaceChildren();
    if (!res.ok) return void (target.textContent = await res.text());
    const img = document.createElement("img");
    img.src = await res.text();
    target.append(img);
  });
</script>`;

const app = new Hono();

app.get("/", (c) => c.html(PAGE));

app.post("/ai", async (c) => {
  const { prompt } = await c.req.json();
  if (typeof prompt !== "string" || !prompt.trim()) return c.text("prompt: say what to draw", 400);
  const ai = new Ai(c.env.AI);
  // The 1.0 SDK answers text-to-image with the PNG's bytes as a Uint8Array.
  const image = await ai.run(SDXL, { prompt: "A black and white coloring book page of " + prompt });
  let binary = "";
  for (const byte of new Uint8Array(image)) binary += String.fromCharCode(byte);
  return c.text("data:image/png;base64," + btoa(binary));
});

export default app;
