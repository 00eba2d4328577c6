/** @jsxRuntime automatic @jsxImportSource preact */
// The pragma lets the unit tests load this file through tsx, which compiles it outside the esbuild bundle.
import type { VNode } from "preact";
import { useMemo } from "preact/hooks";
import { parseMarkdown, type Block, type Inline } from "./parse.js";

function inlines(nodes: Inline[]): (VNode | string)[] {
  return nodes.map((node, i) => {
    switch (node.type) {
      case "text":
        return node.text;
      case "code":
        return <code key={i}>{node.text}</code>;
      case "strong":
        return <strong key={i}>{inlines(node.children)}</strong>;
      case "em":
        return <em key={i}>{inlines(node.children)}</em>;
      case "link":
        // A model chose this address: it opens apart from the dashboard and learns nothing of it.
        return (
          <a key={i} href={node.href} target="_blank" rel="noopener noreferrer nofollow">
            {inlines(node.children)}
          </a>
        );
    }
  });
}

function block(node: Block, i: number): VNode {
  switch (node.type) {
    case "paragraph":
      return <p key={i}>{inlines(node.children)}</p>;
    case "heading": {
      const Tag = `h${Math.min(6, node.level + 2)}` as "h3";
      return <Tag key={i}>{inlines(node.children)}</Tag>;
    }
    case "code":
      return (
        <pre key={i} class="code-block" data-lang={node.lang || undefined}>
          <code>{node.text}</code>
        </pre>
      );
    case "list": {
      const items = node.items.map((item, j) => <li key={j}>{inlines(item)}</li>);
      return node.ordered ? (
        <ol key={i} start={node.start === 1 ? undefined : node.start}>
          {items}
        </ol>
      ) : (
        <ul key={i}>{items}</ul>
      );
    }
    case "quote":
      return <blockquote key={i}>{inlines(node.children)}</blockquote>;
    case "rule":
      return <hr key={i} />;
  }
}

/**
 * Markdown text as Preact elements. Everything is built as elements and text nodes (never
 * innerHTML), so markup in the text is shown as written. Headings start at h3: the page and
 * its panes own h1 and h2.
 */
export function markdownNodes(text: string): VNode[] {
  return parseMarkdown(text).map(block);
}

/** A model's answer as Markdown, parsed again only when the text changes (each streamed token). */
export function Markdown({ text }: { text: string }) {
  return <>{useMemo(() => markdownNodes(text), [text])}</>;
}
