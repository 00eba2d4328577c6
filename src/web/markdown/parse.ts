/**
 * A small Markdown reader for model answers: paragraphs, headings, fenced code blocks, lists,
 * quotes, rules, and inline code, bold, italics and links. It returns a tree of plain data;
 * `render.tsx` turns that into Preact elements whose text is always text, so an answer that
 * contains HTML shows the HTML and never runs it. Unknown syntax stays as typed.
 */

export type Inline =
  | { type: "text"; text: string }
  | { type: "code"; text: string }
  | { type: "strong" | "em"; children: Inline[] }
  | { type: "link"; href: string; children: Inline[] };

export type Block =
  | { type: "paragraph"; children: Inline[] }
  | { type: "heading"; level: 1 | 2 | 3 | 4 | 5 | 6; children: Inline[] }
  /** `open`: the closing fence has not arrived (yet, while streaming). */
  | { type: "code"; lang: string; text: string; open: boolean }
  | { type: "list"; ordered: boolean; start: number; items: Inline[][] }
  | { type: "quote"; children: Inline[] }
  | { type: "rule" };

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:\s+(.*?))?\s*#*\s*$/;
const BULLET = /^ {0,3}[-*+]\s+(.*)$/;
const NUMBERED = /^ {0,3}(\d{1,9})[.)]\s+(.*)$/;
const QUOTE = /^ {0,3}>\s?(.*)$/;
const RULE = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
/** Links a reader may follow; anything else (javascript:, data:) stays text. */
const SAFE_HREF = /^(?:https?:\/\/|mailto:)[^\s]+$/i;

const isBlank = (line: string) => line.trim() === "";
/** Whether a line begins a block other than a paragraph, so it ends the paragraph before it. */
const startsBlock = (line: string) => FENCE.test(line) || HEADING.test(line) || BULLET.test(line) || NUMBERED.test(line) || QUOTE.test(line) || RULE.test(line);

export function parseMarkdown(text: string): Block[] {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (isBlank(line)) {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1]!;
      const body: string[] = [];
      i++;
      while (i < lines.length && !new RegExp(`^ {0,3}${marker[0]}{${marker.length},}\\s*$`).test(lines[i]!)) body.push(lines[i++]!);
      const open = i >= lines.length;
      i++;
      blocks.push({ type: "code", lang: fence[2] ?? "", text: body.join("\n"), open });
      continue;
    }
    if (RULE.test(line)) {
      blocks.push({ type: "rule" });
      i++;
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      blocks.push({ type: "heading", level: heading[1]!.length as 1, children: parseInline(heading[2] ?? "") });
      i++;
      continue;
    }
    const ordered = NUMBERED.exec(line);
    if (ordered || BULLET.test(line)) {
      const pattern = ordered ? NUMBERED : BULLET;
      const items: string[] = [];
      while (i < lines.length) {
        const item = pattern.exec(lines[i]!);
        if (item) items.push(item[ordered ? 2 : 1]!);
        else if (!isBlank(lines[i]!) && !startsBlock(lines[i]!) && /^\s/.test(lines[i]!)) items[items.length - 1] += `\n${lines[i]!.trim()}`;
        else break;
        i++;
      }
      blocks.push({ type: "list", ordered: Boolean(ordered), start: ordered ? Number(ordered[1]) : 1, items: items.map(parseInline) });
      continue;
    }
    if (QUOTE.test(line)) {
      const quoted: string[] = [];
      for (let q = QUOTE.exec(lines[i] ?? ""); q; q = QUOTE.exec(lines[i] ?? "")) {
        quoted.push(q[1]!);
        i++;
      }
      blocks.push({ type: "quote", children: parseInline(quoted.join("\n")) });
      continue;
    }
    const paragraph: string[] = [];
    while (i < lines.length && !isBlank(lines[i]!) && (paragraph.length === 0 || !startsBlock(lines[i]!))) paragraph.push(lines[i++]!);
    blocks.push({ type: "paragraph", children: parseInline(paragraph.join("\n")) });
  }
  return blocks;
}

const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}_]/u.test(c);

/** The end of emphasis opened by `marker` at `from`, or -1: it needs text right inside both markers. */
function closingMarker(text: string, marker: string, from: number): number {
  if (/\s/.test(text[from] ?? " ")) return -1;
  for (let end = text.indexOf(marker, from + 1); end !== -1; end = text.indexOf(marker, end + 1)) {
    if (/\s/.test(text[end - 1]!) || text[end - 1] === "\\") continue;
    // Intraword underscores (snake_case) are not emphasis; intraword asterisks are.
    if (marker[0] === "_" && isWordChar(text[end + marker.length])) continue;
    return end;
  }
  return -1;
}

export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let plain = "";
  const flush = () => {
    if (plain) out.push({ type: "text", text: plain });
    plain = "";
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "\\" && i + 1 < text.length && /[!-/:-@[-`{-~]/.test(text[i + 1]!)) {
      plain += text[i + 1];
      i += 2;
      continue;
    }
    if (c === "`") {
      const run = /^`+/.exec(text.slice(i))![0];
      const end = text.indexOf(run, i + run.length);
      if (end !== -1 && text[end + run.length] !== "`") {
        flush();
        const code = text.slice(i + run.length, end);
        out.push({ type: "code", text: /^ .* $/.test(code) ? code.slice(1, -1) : code });
        i = end + run.length;
        continue;
      }
      plain += run;
      i += run.length;
      continue;
    }
    if (c === "*" || c === "_") {
      const marker = text.startsWith(c + c, i) ? c + c : c;
      const opensAfterWord = c === "_" && isWordChar(text[i - 1]);
      const end = opensAfterWord ? -1 : closingMarker(text, marker, i + marker.length);
      if (end !== -1) {
        flush();
        out.push({ type: marker.length === 2 ? "strong" : "em", children: parseInline(text.slice(i + marker.length, end)) });
        i = end + marker.length;
        continue;
      }
      plain += marker;
      i += marker.length;
      continue;
    }
    if (c === "[") {
      const link = /^\[([^\]\n]+)\]\(([^()\s]+)\)/.exec(text.slice(i));
      if (link && SAFE_HREF.test(link[2]!)) {
        flush();
        out.push({ type: "link", href: link[2]!, children: parseInline(link[1]!) });
        i += link[0].length;
        continue;
      }
    }
    plain += c;
    i++;
  }
  flush();
  return out;
}
