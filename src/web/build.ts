/**
 * Builds the dashboard into dist/web (run by `npm run build`): one ES module bundle with
 * Preact inside, one stylesheet, the page and its icon. Nothing is fetched at run time.
 */
import { copyFile, mkdir, rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const from = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const out = from("../../dist/web/");

await rm(out, { recursive: true, force: true });
await mkdir(`${out}assets`, { recursive: true });
await build({
  entryPoints: { app: from("main.tsx") },
  outdir: `${out}assets`,
  bundle: true,
  format: "esm",
  // Browsers of the last few years; the bundle needs no polyfills there.
  target: ["chrome111", "firefox115", "safari16.4"],
  jsx: "automatic",
  jsxImportSource: "preact",
  minify: true,
  sourcemap: "linked",
  legalComments: "none",
  logLevel: "warning",
});
await copyFile(from("index.html"), `${out}index.html`);
await copyFile(from("icon.svg"), `${out}assets/icon.svg`);
