// A Worker as written from the Workers AI docs: real Workers AI ids only, nothing Outpost-specific.
const LLAMA = "@cf/meta/llama-2-7b-chat-int8";
const INPUTS = { prompt: "Once upon a time", max_tokens: 8, seed: 7 };

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    try {
      switch (pathname) {
        case "/json":
          return Response.json(await env.AI.run(LLAMA, INPUTS));
        case "/stream":
          return new Response(await env.AI.run(LLAMA, { ...INPUTS, stream: true }), { headers: { "content-type": "text/event-stream" } });
        case "/raw": {
          const res = await env.AI.run(LLAMA, INPUTS, { returnRawResponse: true });
          return new Response(res.body, { status: res.status, headers: { "x-served-by": res.headers.get("x-outpost-model") ?? "" } });
        }
        case "/models":
          return Response.json(await env.AI.models({ search: "llama-2-7b-chat-int8" }));
      }
      return new Response("not found", { status: 404 });
    } catch (error) {
      return Response.json({ caught: error.constructor.name, name: error.name, message: error.message }, { status: 500 });
    }
  },
};
