import { Catalog, RUNNABLE_ENGINES } from "../catalog/index.js";
import type { Config } from "../config/index.js";
import { ModelStore } from "../store/index.js";

/** `outpost models`: the catalog as a table, with whether each model can run here now. */
export async function models(config: Config): Promise<number> {
  const catalog = new Catalog();
  const store = new ModelStore({ dataDir: config.dataDir, mirrorDir: config.modelMirror });
  const rows = await Promise.all(
    catalog.list().map(async (entry) => {
      const local = entry.artifact ? await store.resolve(entry).then(() => "yes", () => "no") : "-";
      const engine = RUNNABLE_ENGINES.has(entry.engine) ? entry.engine : `${entry.engine} (not in this build)`;
      return [entry.id, entry.task, engine, local];
    }),
  );
  printTable(["MODEL", "TASK", "ENGINE", "LOCAL"], rows);
  return 0;
}

export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ").trimEnd());
}
