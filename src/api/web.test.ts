import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { webRoutes } from "./web.js";

const dir = mkdtempSync(join(tmpdir(), "outpost-web-"));
after(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, "assets"));
writeFileSync(join(dir, "index.html"), "<!doctype html><title>Outpost</title>");
writeFileSync(join(dir, "assets", "app.js"), "console.log(1)");
writeFileSync(join(dir, "assets", "notes.txt"), "not an asset type");
writeFileSync(join(dir, "secret.js"), "outside assets");
const app = webRoutes(dir);

test("serves the page and its assets with their types and a self-only content policy", async () => {
  const page = await app.request("/");
  assert.equal(page.status, 200);
  assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
  assert.match(page.headers.get("content-security-policy") ?? "", /^default-src 'self';/);
  assert.equal(await page.text(), "<!doctype html><title>Outpost</title>");
  const script = await app.request("/assets/app.js");
  assert.equal(script.headers.get("content-type"), "text/javascript; charset=utf-8");
  assert.equal(await script.text(), "console.log(1)");
});

test("anything but a known file type inside assets/ is a 404 envelope", async () => {
  for (const path of ["/assets/missing.js", "/assets/notes.txt", "/assets/..%2Fsecret.js", "/assets/%2E%2E%2Fsecret.js", "/assets/.hidden.js"]) {
    const response = await app.request(path);
    assert.equal(response.status, 404, path);
    assert.equal((await response.json()).success, false, path);
  }
});

test("an unbuilt dashboard says how to build it", async () => {
  const response = await webRoutes(join(dir, "nowhere")).request("/");
  assert.equal(response.status, 404);
  assert.match(JSON.stringify(await response.json()), /run npm run build/);
});
