// Streaming text generation, as in the Workers AI docs: the model's SSE stream is the response.
export default {
  async fetch(request, env) {
    const messages = [
      { role: "system", content: "You are a friendly assistant" },
      { role: "user", content: "What is the origin of the phrase Hello, World" },
    ];
    const stream = await env.AI.run(env.MODEL, { messages, stream: true });
    return new Response(stream, { headers: { "content-type": "text/event-stream" } });
  },
};
