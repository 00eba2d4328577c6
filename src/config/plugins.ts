import { isAbsolute, join, resolve } from "node:path";
import { PROJECT_FILE, readProjectFile } from "./project-file.js";

/** A plugin as the operator named it. */
export interface PluginSpec {
  /** Absolute path of the ES module. */
  path: string;
  /** open (default): a failing hook is skipped and the request goes on; closed: the request fails with HOOK_FAILED (502). */
  failMode: "open" | "closed";
}

const FAIL_MODES: ReadonlySet<string> = new Set(["open", "closed"]);

function spec(path: string, failMode: string, base: string, origin: string): PluginSpec {
  if (!path) throw new Error(`${origin}: a plugin needs a path`);
  if (!FAIL_MODES.has(failMode)) throw new Error(`${origin}: plugin ${path}: fail mode must be open or closed, got '${failMode}'`);
  return { path: isAbsolute(path) ? path : resolve(base, path), failMode: failMode as PluginSpec["failMode"] };
}

/**
 * Every plugin to load, in order: `outpost.json`'s `"plugins"` in `dir` (paths relative to it;
 * each a path or `{"path", "failMode"}`), then the setting's (`<path>` or `<path>=closed`,
 * relative to the working directory). Throws naming a malformed entry.
 */
export function loadPlugins(config: { plugins: string }, dir = process.cwd()): PluginSpec[] {
  const specs: PluginSpec[] = [];
  const file = join(dir, PROJECT_FILE);
  const list = readProjectFile(dir)?.plugins ?? [];
  if (!Array.isArray(list)) throw new Error(`${file}: "plugins" must be a list of paths or {"path", "failMode"} objects`);
  for (const entry of list) {
    if (typeof entry === "string") specs.push(spec(entry, "open", dir, file));
    else if (entry && typeof entry === "object" && typeof (entry as { path?: unknown }).path === "string") {
      const { path, failMode = "open" } = entry as { path: string; failMode?: unknown };
      specs.push(spec(path, String(failMode), dir, file));
    } else throw new Error(`${file}: plugin ${JSON.stringify(entry)} is neither a path nor {"path", "failMode"}`);
  }
  const origin = "OUTPOST_PLUGINS / --plugin";
  for (const item of config.plugins.split(",").map((p) => p.trim()).filter(Boolean)) {
    const eq = item.lastIndexOf("=");
    specs.push(eq < 0 ? spec(item, "open", process.cwd(), origin) : spec(item.slice(0, eq), item.slice(eq + 1), process.cwd(), origin));
  }
  return specs;
}
