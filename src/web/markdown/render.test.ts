import assert from "node:assert/strict";
import { test } from "node:test";
import { isValidElement, type VNode } from "preact";
import { markdownNodes } from "./render.js";

const escape = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

/** The HTML a browser would build from these nodes; fails on anything that is not an element or text. */
function html(node: unknown): string {
  if (Array.isArray(node)) return node.map(html).join("");
  if (typeof node === "string") return escape(node);
  if (node === null || node === undefined || typeof node === "boolean") return "";
  assert.ok(isValidElement(node), `not an element: ${String(node)}`);
  const { type, props } = node as VNode<Record<string, unknown>>;
  assert.equal(typeof type, "string", "only plain elements");
  assert.ok(!("dangerouslySetInnerHTML" in props), "never innerHTML");
  const attrs = Object.entries(props)
    .filter(([k, v]) => k !== "children" && v !== undefined)
    .map(([k, v]) => ` ${k}="${escape(String(v))}"`)
    .join("");
  return `<${type as string}${attrs}>${html(props.children)}</${type as string}>`;
}
const render = (text: string) => html(markdownNodes(text));

test("paragraphs, headings, emphasis, inline code, lists, quotes and rules", () => {
  assert.equal(render("Once upon a time.\nThe end.\n\nNext"), "<p>Once upon a time.\nThe end.</p><p>Next</p>");
  assert.equal(render("# Title\n### Sub"), "<h3>Title</h3><h5>Sub</h5>");
  assert.equal(render("**bold**, *it*, _it_ and `x < y`"), "<p><strong>bold</strong>, <em>it</em>, <em>it</em> and <code>x &lt; y</code></p>");
  assert.equal(render("- a\n- b\n  more\n\n3. c\n4. d"), "<ul><li>a</li><li>b\nmore</li></ul><ol start=\"3\"><li>c</li><li>d</li></ol>");
  assert.equal(render("> quoted\n> twice\n\n---"), "<blockquote>quoted\ntwice</blockquote><hr></hr>");
  assert.equal(render("[docs](https://example.com/a)"), '<p><a href="https://example.com/a" target="_blank" rel="noopener noreferrer nofollow">docs</a></p>');
});

test("fenced code keeps its text exactly, language and all, even before the fence closes", () => {
  assert.equal(render("Run:\n```js\nif (a < b) {\n  **x**\n}\n```\nDone"), '<p>Run:</p><pre class="code-block" data-lang="js"><code>if (a &lt; b) {\n  **x**\n}</code></pre><p>Done</p>');
  assert.equal(render("```\nhalf way"), '<pre class="code-block"><code>half way</code></pre>');
  assert.equal(render("~~~~\n```\n~~~~"), '<pre class="code-block"><code>```</code></pre>');
});

test("what is not Markdown stays as typed: snake_case, lone stars, 2*3, unclosed marks, escapes", () => {
  for (const text of ["snake_case_name", "a * b * c", "**not closed", "`open", "#hashtag", "1.5 apples", "tim_ and _tom"]) assert.equal(render(text), `<p>${escape(text)}</p>`, text);
  assert.equal(render("\\*literal\\*"), "<p>*literal*</p>");
  assert.equal(render(""), "");
});

test("HTML and unsafe links in the text come out as text, never as markup", () => {
  const hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">';
  assert.equal(render(hostile), `<p>${escape(hostile)}</p>`);
  assert.equal(render(`**${hostile}**`), `<p><strong>${escape(hostile)}</strong></p>`);
  assert.equal(render("```html\n<b>hi</b>\n```"), '<pre class="code-block" data-lang="html"><code>&lt;b&gt;hi&lt;/b&gt;</code></pre>');
  for (const href of ["javascript:alert(1)", "data:text/html,<b>x</b>", "vbscript:x", "/relative"]) assert.equal(render(`[x](${href})`), `<p>${escape(`[x](${href})`)}</p>`, href);
});
