import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { JetStreamClient, NatsConnection, ObjectStore } from "nats";
import { OutpostError } from "../contract/index.js";
import { sha256File } from "../store/index.js";
import { MODELS_BUCKET } from "./constants.js";
import { SUBJECTS } from "./subjects.js";

/** What distribution needs to know of a model's weights file (a catalog artifact). */
export interface ModelFile {
  fileName: string;
  /** Expected sha256 (hex); when the catalog has none, the publisher's own hash is checked. */
  sha256?: string;
}

const SHA_PREFIX = "sha256:";

/** Replicated buckets want 3 JetStream servers; a single-server network gets 1. */
export async function withReplicas<T>(open: (replicas: number) => Promise<T>): Promise<T> {
  try {
    return await open(3);
  } catch {
    return open(1);
  }
}

/**
 * Model files in a JetStream Object Store bucket, so nodes need no internet: `outpost models
 * publish` puts a file in once, and a node that is asked for a model it lacks pulls it into its
 * store, hashing while it writes and keeping the file only when the sha256 matches.
 */
export class ModelDistribution {
  readonly #nc: NatsConnection;
  readonly #store: ObjectStore;
  #names: Set<string> = new Set();

  private constructor(nc: NatsConnection, store: ObjectStore) {
    this.#nc = nc;
    this.#store = store;
  }

  static async open(nc: NatsConnection, js: JetStreamClient = nc.jetstream()): Promise<ModelDistribution> {
    const store = await withReplicas((replicas) => js.views.os(MODELS_BUCKET, { replicas, description: "Outpost model files" }));
    const distribution = new ModelDistribution(nc, store);
    await distribution.refresh();
    nc.subscribe(SUBJECTS.published, { callback: () => void distribution.refresh().catch(() => undefined) });
    return distribution;
  }

  /** File names currently published (as of the last refresh). */
  get published(): ReadonlySet<string> {
    return this.#names;
  }

  async refresh(): Promise<void> {
    const list = await this.#store.list();
    this.#names = new Set(list.filter((info) => !info.deleted).map((info) => info.name));
  }

  async publish(file: ModelFile, path: string): Promise<{ sha256: string; sizeBytes: number }> {
    const sha256 = await sha256File(path);
    if (file.sha256 !== undefined && file.sha256 !== sha256) {
      throw new OutpostError("MODEL_NOT_LOCAL", `This node's ${file.fileName} does not match the catalog sha256 ${file.sha256}: refusing to publish it`);
    }
    const info = await this.#store.put({ name: basename(file.fileName), description: `${SHA_PREFIX}${sha256}` }, Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>);
    await this.refresh();
    this.#nc.publish(SUBJECTS.published);
    await this.#nc.flush();
    return { sha256, sizeBytes: info.size };
  }

  /** Pulls `file` into `dir`, verified; returns its path. MODEL_NOT_LOCAL when it is not published. */
  async pull(file: ModelFile, dir: string): Promise<string> {
    const name = basename(file.fileName);
    const result = await this.#store.get(name);
    if (!result) throw new OutpostError("MODEL_NOT_LOCAL", `${name} is not in the network's model bucket ${MODELS_BUCKET}; publish it with \`outpost models publish\``);
    const published = result.info.description?.startsWith(SHA_PREFIX) ? result.info.description.slice(SHA_PREFIX.length) : undefined;
    const expected = file.sha256 ?? published;
    await mkdir(dir, { recursive: true });
    const target = join(dir, name);
    const partial = `${target}.${randomBytes(4).toString("hex")}.partial`;
    const hash = createHash("sha256");
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(result.data as import("node:stream/web").ReadableStream<Uint8Array>), hashing, createWriteStream(partial));
      const failed = await result.error;
      if (failed) throw failed;
      const actual = hash.digest("hex");
      if (expected !== undefined && actual !== expected) {
        throw new OutpostError("MODEL_NOT_LOCAL", `${name} from the model bucket has sha256 ${actual}, expected ${expected}: discarded`);
      }
      await rename(partial, target);
      return target;
    } finally {
      await rm(partial, { force: true });
    }
  }
}
