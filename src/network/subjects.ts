/**
 * NATS subjects. Model ids never appear raw: `.` would split a subject token and the KV client
 * rejects `@`, so they travel as `modelToken()` escapes (`_XX` per byte outside [A-Za-z0-9-]).
 */
const KEEP = /^[A-Za-z0-9-]$/;

export function modelToken(id: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(id)) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && KEEP.test(ch) ? ch : "_" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

export function tokenToModel(token: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < token.length; ) {
    if (token[i] === "_") {
      bytes.push(parseInt(token.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      bytes.push(token.charCodeAt(i));
      i += 1;
    }
  }
  return new TextDecoder().decode(Uint8Array.from(bytes));
}

export const SUBJECTS = {
  /** Capacity adverts, `outpost.adv.<city>.<node>`. */
  advert: (city: string, node: string) => `outpost.adv.${city}.${node}`,
  adverts: "outpost.adv.>",
  /** Directed run requests to one node; the router picks the node, so no queue group is involved. */
  run: (node: string) => `outpost.node.${node}.run`,
  /** Credit-independent control of running requests: cancel. */
  control: (node: string) => `outpost.node.${node}.ctl`,
  ping: (node: string) => `outpost.node.${node}.ping`,
} as const;

/** Node, city and region names: one subject token each. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
