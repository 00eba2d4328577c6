// Embeddings similarity search: embed a small corpus once, then rank it against each query by
// cosine similarity. GET /search?q=…&top=3
const CORPUS = [
  "The cat sat on the warm windowsill all afternoon.",
  "A dog chased the ball across the park.",
  "Workers run JavaScript at the edge, close to users.",
  "The bakery sells fresh bread every morning.",
  "Rain is expected over the mountains tonight.",
  "She planted tomatoes and basil in the garden.",
  "The train to the city leaves at seven.",
  "Embeddings turn text into vectors that can be compared.",
];

let corpusVectors; // per isolate: the corpus is embedded on the first search only

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const query = url.searchParams.get("q");
    if (url.pathname !== "/search" || !query) return new Response("GET /search?q=<text>&top=<n>\n", { status: 404 });
    const top = Math.max(1, Number(url.searchParams.get("top")) || 3);

    try {
      corpusVectors ??= env.AI.run(env.EMBEDDINGS_MODEL, { text: CORPUS }).then(
        (out) => out.data,
        (error) => {
          corpusVectors = undefined; // retry on the next search
          throw error;
        },
      );
      const [vectors, { data: [queryVector] }] = await Promise.all([corpusVectors, env.AI.run(env.EMBEDDINGS_MODEL, { text: query })]);
      const results = CORPUS.map((text, i) => ({ text, score: cosine(queryVector, vectors[i]) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, top);
      return Response.json({ query, results });
    } catch (error) {
      return Response.json({ error: error.message }, { status: 502 });
    }
  },
};

function cosine(a, b) {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    normA += a[i] * a[i];
    normB += b[i] * b[i];
  }
  return dot / Math.sqrt(normA * normB);
}
