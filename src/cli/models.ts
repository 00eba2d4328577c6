import type { Config } from "../config/index.js";
import type { CustomModelSpec } from "../store/index.js";
import { reportFailure } from "./report.js";
import { createOutpost } from "./outpost.js";
import { formatBytes, showPull } from "./progress.js";

/**
 * `outpost models`: the catalog and custom models as a table: whether each can run here,
 * where its file is (`store`, `mirror`, `no`, `-` for no file, or `system` for a model that
 * is programs of this machine), its size and last use. An
 * alias is listed as `<id> -> <model>` with the serving model's engine and file.
 */
export async function models(config: Config): Promise<number> {
  const outpost = createOutpost(config);
  try {
    const local = new Map((await outpost.admin.local()).map((m) => [m.model, m]));
    const rows = outpost.catalog.ids().map((id) => {
      // An alias shows the model that serves it: its engine, its file.
      const served = outpost.catalog.resolve(id);
      const entry = outpost.catalog.get(served);
      const found = local.get(entry.id);
      const engine = outpost.catalog.hasEngine(entry) ? entry.engine : `${entry.engine} (not in this build)`;
      return [
        served !== id ? `${id} -> ${served}` : entry.custom ? `${id} (custom)` : id,
        entry.task,
        engine,
        found?.location ?? (entry.artifact ? "no" : entry.programs ? "system" : "-"),
        found ? formatBytes(found.sizeBytes) : "",
        found?.lastUsedAt?.slice(0, 19).replace("T", " ") ?? "",
      ];
    });
    printTable(["MODEL", "TASK", "ENGINE", "LOCAL", "SIZE", "LAST USED"], rows);
    return 0;
  } finally {
    outpost.close();
  }
}

/** `outpost models add <name> <file-or-url> --task <task> [--template <t>]`: pulls the file in and registers the name. */
export async function modelsAdd(config: Config, spec: CustomModelSpec): Promise<number> {
  const outpost = createOutpost(config);
  process.once("SIGINT", () => outpost.close());
  try {
    let shown: Promise<void> = Promise.resolve();
    const entry = await outpost.admin.add(spec, process.cwd(), (pull) => (shown = showPull(pull)));
    await shown;
    console.log(`added ${entry.id} (${[entry.task, entry.chatTemplate && `template ${entry.chatTemplate}`].filter(Boolean).join(", ")}, ${formatBytes(entry.artifact?.sizeBytes ?? 0)}, sha256:${entry.artifact?.sha256})`);
    return 0;
  } catch (error) {
    return reportFailure(error);
  } finally {
    outpost.close();
  }
}

export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ").trimEnd());
}
