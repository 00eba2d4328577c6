import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import { OutpostError } from "../contract/index.js";
import { fsyncDir, writeFileAtomic } from "./atomic.js";
import { isDigest, isFileInside, type StoreLayout } from "./layout.js";

const ManifestSchema = z.object({
  schemaVersion: z.literal(1),
  model: z.string(),
  /** The artifact's file name, as a mirror holds it. */
  fileName: z.string(),
  /** `sha256:<hex>`: the blob the model uses; for a multi-file model, the digest of `files` (store/tree.ts). */
  digest: z.string().refine(isDigest, "not a sha256 digest"),
  /** A multi-file model's files, each a blob; sizeBytes is then their total. */
  files: z.array(z.object({ path: z.string(), digest: z.string().refine(isDigest, "not a sha256 digest"), sizeBytes: z.number().int().nonnegative() })).optional(),
  sizeBytes: z.number().int().nonnegative(),
  /** Where the bytes came from (mirror path or URL, no credentials). */
  source: z.string(),
  pulledAt: z.string(),
  lastUsedAt: z.string().optional(),
});

/** One model id's entry in the store: which blob holds its weights. */
export type Manifest = z.infer<typeof ManifestSchema>;

/**
 * The manifest of `model`, undefined if there is none. A manifest that is a symlink, fails to
 * parse or names another model is refused as MODEL_NOT_LOCAL: it was not written by the store.
 */
export async function readManifest(layout: StoreLayout, model: string): Promise<Manifest | undefined> {
  const path = layout.manifestPath(model);
  const text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT" || error.code === "ENOTDIR") return undefined;
    throw error;
  });
  if (text === undefined) return undefined;
  if (!(await isFileInside(path, layout.manifestsDir))) {
    throw new OutpostError("MODEL_NOT_LOCAL", `The store's manifest of ${model} is not a regular file inside the store (a symlink?): refusing it; run \`outpost rm ${model}\` and pull again`);
  }
  const parsed = ManifestSchema.safeParse(safeJson(text));
  if (!parsed.success || parsed.data.model !== model) {
    throw new OutpostError("MODEL_NOT_LOCAL", `The store's manifest of ${model} is damaged: run \`outpost rm ${model}\` and pull again`);
  }
  return parsed.data;
}

export async function writeManifest(layout: StoreLayout, manifest: Manifest): Promise<void> {
  const path = layout.manifestPath(manifest.model);
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Deletes `model`'s manifest; false if it had none. */
export async function removeManifest(layout: StoreLayout, model: string): Promise<boolean> {
  const path = layout.manifestPath(model);
  const existed = await readFile(path).then(() => true, () => false);
  if (!existed) return false;
  await rm(path, { force: true });
  await fsyncDir(dirname(path));
  return true;
}

/** Every readable manifest in the store; damaged ones are skipped (resolve reports them). */
export async function listManifests(layout: StoreLayout): Promise<Manifest[]> {
  const names = await readdir(layout.manifestsDir, { recursive: true }).catch(() => [] as string[]);
  const manifests: Manifest[] = [];
  for (const name of names.filter((n) => n.endsWith(".json")).sort()) {
    const model = name.slice(0, -".json".length).split(/[\\/]/).join("/");
    const manifest = await readManifest(layout, model).catch(() => undefined);
    if (manifest) manifests.push(manifest);
  }
  return manifests;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
