import { createHash } from "node:crypto";
import { stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Artifact, ArtifactFile } from "../catalog/index.js";
import type { DownloadSpec } from "./download.js";
import { FileSource } from "./file-source.js";
import { HttpSource } from "./http-source.js";
import { checkDownloadUrl } from "./names.js";
import type { Source } from "./source.js";
import { pathSegments } from "./tree.js";

export interface SourceSettings {
  /** The mirror's copy of the artifact (its folder, for a multi-file one), if there is one. */
  mirrored: string | undefined;
  /** The Hugging Face endpoint; its origin is the one http origin trusted besides loopback. */
  endpoint: URL;
  hfToken?: string;
}

/**
 * Where the artifact's one file, or `file` (a path inside a multi-file artifact), can be
 * fetched: the mirror first (air-gapped sites), then Hugging Face, then the artifact's URL.
 */
export async function artifactSources(artifact: Artifact, file: string | undefined, settings: SourceSettings): Promise<Source[]> {
  const sources: Source[] = [];
  const inside = file === undefined ? [] : pathSegments(file);
  const { mirrored, endpoint } = settings;
  if (mirrored && (await stat(join(mirrored, ...inside)).catch(() => undefined))?.isFile()) {
    sources.push(new FileSource(join(mirrored, ...inside), `the mirror's ${[artifact.fileName, ...inside].join("/")}`));
  }
  const origin = endpoint.origin;
  if (artifact.huggingFace) {
    const { repo, path, revision } = artifact.huggingFace;
    const segments = [...repo.split("/"), "resolve", revision ?? "main", ...path.split("/").filter(Boolean), ...inside].map(encodeURIComponent);
    const url = new URL(`${endpoint.href.replace(/\/$/, "")}/${segments.join("/")}`);
    sources.push(new HttpSource({ url, token: settings.hfToken || undefined, tokenOrigin: origin, trustedOrigin: origin }));
  }
  const url = artifact.url && inside.length > 0 ? `${artifact.url.replace(/\/$/, "")}/${inside.map(encodeURIComponent).join("/")}` : artifact.url;
  if (url?.startsWith("file:")) {
    const path = fileURLToPath(url);
    sources.push(new FileSource(path, `the local file ${basename(path)}`));
  }
  else if (url) sources.push(new HttpSource({ url: checkDownloadUrl(url, origin), trustedOrigin: origin }));
  return sources;
}

/** How to fetch the artifact's one file, or `file` of a multi-file artifact, from `sources`. */
export function downloadSpec(artifact: Artifact, file: ArtifactFile | undefined, sources: Source[]): DownloadSpec {
  const sha256 = file ? file.sha256 : artifact.sha256;
  const origin = JSON.stringify(file ? [artifact.huggingFace, artifact.url, artifact.fileName, file.path] : [artifact.huggingFace, artifact.url, artifact.fileName]);
  return {
    key: sha256 ? `sha256-${sha256}` : `src-${createHash("sha256").update(origin).digest("hex").slice(0, 32)}`,
    fileName: file ? `${artifact.fileName}/${file.path}` : artifact.fileName,
    sources,
    sha256,
    sizeBytes: file ? file.sizeBytes : artifact.sizeBytes,
  };
}
