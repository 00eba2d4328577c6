/**
 * An Outpost plugin: redacts e-mail addresses, card numbers and phone numbers from a request's
 * text (prompt, chat messages, text to embed or translate) before any model sees it, and
 * records how many it replaced in the request's metadata (`piiRedacted`).
 *
 *   outpost serve --plugin examples/plugins/pii-redaction.mjs=closed
 *
 * Fail closed: if this plugin fails, requests are refused rather than sent unredacted.
 */
const PATTERNS = [
  { name: "email", pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g },
  // 13 to 19 digits, optionally grouped by spaces or dashes: payment card numbers.
  { name: "card", pattern: /\b\d(?:[ -]?\d){12,18}\b/g },
  // An optional +country code, then 9 to 12 more digits in groups.
  { name: "phone", pattern: /(?<![\w+])\+?\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}[ .-]?\d{3,4}[ .-]?\d{2,4}\b/g },
];

function redact(text, counts) {
  let out = text;
  for (const { name, pattern } of PATTERNS) {
    out = out.replace(pattern, () => {
      counts[name] = (counts[name] ?? 0) + 1;
      return `[${name}]`;
    });
  }
  return out;
}

/** The same value with every string in the text-carrying fields redacted. */
function redactInputs(inputs, counts) {
  if (!inputs || typeof inputs !== "object") return inputs;
  const out = { ...inputs };
  for (const key of ["prompt", "text", "input_text"]) {
    if (typeof out[key] === "string") out[key] = redact(out[key], counts);
    else if (Array.isArray(out[key])) out[key] = out[key].map((item) => (typeof item === "string" ? redact(item, counts) : item));
  }
  if (Array.isArray(out.messages)) {
    out.messages = out.messages.map((message) => (typeof message?.content === "string" ? { ...message, content: redact(message.content, counts) } : message));
  }
  return out;
}

export function onRequest(ctx) {
  const counts = {};
  const inputs = redactInputs(ctx.inputs, counts);
  const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
  if (total === 0) return undefined;
  return { inputs, metadata: { piiRedacted: counts } };
}
