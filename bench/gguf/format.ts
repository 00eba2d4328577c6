/**
 * The GGUF v3 container, just enough of it to read a model's metadata and write a new model:
 * https://github.com/ggml-org/ggml/blob/master/docs/gguf.md. Little-endian throughout.
 */
import { closeSync, openSync, readSync } from "node:fs";

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_VERSION = 3;
/** Tensor data offsets are multiples of this unless `general.alignment` says otherwise. */
export const GGUF_ALIGNMENT = 32;

/** Metadata value types, as numbered in the spec. */
export const ValueType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;
export type ValueType = (typeof ValueType)[keyof typeof ValueType];

/** ggml tensor types used here (ggml.h `enum ggml_type`). */
export const TensorType = { F32: 0, F16: 1 } as const;
export type TensorType = (typeof TensorType)[keyof typeof TensorType];

type Scalar = number | bigint | boolean | string;
/** A metadata value with its wire type kept, so a copied key is written back byte for byte. */
export type MetaValue =
  | { type: Exclude<ValueType, typeof ValueType.ARRAY>; value: Scalar }
  | { type: typeof ValueType.ARRAY; itemType: Exclude<ValueType, typeof ValueType.ARRAY>; items: Scalar[] };

const FIXED_SIZE: Partial<Record<ValueType, number>> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

/** A growable little-endian byte buffer. */
export class ByteWriter {
  #buffer = Buffer.alloc(1 << 16);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  #reserve(bytes: number): number {
    if (this.#length + bytes > this.#buffer.length) {
      const next = Buffer.alloc(Math.max(this.#buffer.length * 2, this.#length + bytes));
      this.#buffer.copy(next, 0, 0, this.#length);
      this.#buffer = next;
    }
    const at = this.#length;
    this.#length += bytes;
    return at;
  }

  u32(v: number): void {
    this.#buffer.writeUInt32LE(v, this.#reserve(4));
  }

  u64(v: number | bigint): void {
    this.#buffer.writeBigUInt64LE(BigInt(v), this.#reserve(8));
  }

  string(s: string): void {
    const bytes = Buffer.from(s, "utf8");
    this.u64(bytes.length);
    bytes.copy(this.#buffer, this.#reserve(bytes.length));
  }

  scalar(type: ValueType, v: Scalar): void {
    if (type === ValueType.STRING) return this.string(String(v));
    const size = FIXED_SIZE[type];
    if (size === undefined) throw new Error(`GGUF value type ${type} is not a scalar`);
    const at = this.#reserve(size);
    const b = this.#buffer;
    switch (type) {
      case ValueType.UINT8: return void b.writeUInt8(Number(v), at);
      case ValueType.INT8: return void b.writeInt8(Number(v), at);
      case ValueType.UINT16: return void b.writeUInt16LE(Number(v), at);
      case ValueType.INT16: return void b.writeInt16LE(Number(v), at);
      case ValueType.UINT32: return void b.writeUInt32LE(Number(v), at);
      case ValueType.INT32: return void b.writeInt32LE(Number(v), at);
      case ValueType.FLOAT32: return void b.writeFloatLE(Number(v), at);
      case ValueType.BOOL: return void b.writeUInt8(v ? 1 : 0, at);
      case ValueType.UINT64: return void b.writeBigUInt64LE(BigInt(v), at);
      case ValueType.INT64: return void b.writeBigInt64LE(BigInt(v), at);
      case ValueType.FLOAT64: return void b.writeDoubleLE(Number(v), at);
    }
  }

  keyValue(key: string, meta: MetaValue): void {
    this.string(key);
    this.u32(meta.type);
    if (meta.type !== ValueType.ARRAY) return this.scalar(meta.type, meta.value);
    this.u32(meta.itemType);
    this.u64(meta.items.length);
    for (const item of meta.items) this.scalar(meta.itemType, item);
  }

  pad(alignment: number): void {
    this.#reserve((alignment - (this.#length % alignment)) % alignment);
  }

  bytes(): Buffer {
    return this.#buffer.subarray(0, this.#length);
  }
}

/** Reads a file's metadata key/values (not its tensors), with their types. */
export function readGgufMetadata(path: string): Map<string, MetaValue> {
  const fd = openSync(path, "r");
  try {
    // Metadata of the small models lives in the first few hundred KiB; read in 1 MiB windows.
    let buffer = Buffer.alloc(0);
    let fileOffset = 0;
    let at = 0;
    const need = (bytes: number) => {
      if (at + bytes <= buffer.length) return;
      const chunk = Buffer.alloc(Math.max(bytes, 1 << 20));
      const read = readSync(fd, chunk, 0, chunk.length, fileOffset);
      fileOffset += read;
      buffer = Buffer.concat([buffer.subarray(at), chunk.subarray(0, read)]);
      at = 0;
      if (buffer.length < bytes) throw new Error(`${path}: truncated GGUF header`);
    };
    const u32 = () => (need(4), (at += 4), buffer.readUInt32LE(at - 4));
    const u64 = () => (need(8), (at += 8), buffer.readBigUInt64LE(at - 8));
    const string = () => {
      const length = Number(u64());
      need(length);
      at += length;
      return buffer.toString("utf8", at - length, at);
    };
    const scalar = (type: ValueType): Scalar => {
      if (type === ValueType.STRING) return string();
      const size = FIXED_SIZE[type];
      if (size === undefined) throw new Error(`${path}: unexpected GGUF value type ${type}`);
      need(size);
      at += size;
      const p = at - size;
      switch (type) {
        case ValueType.UINT8: return buffer.readUInt8(p);
        case ValueType.INT8: return buffer.readInt8(p);
        case ValueType.UINT16: return buffer.readUInt16LE(p);
        case ValueType.INT16: return buffer.readInt16LE(p);
        case ValueType.UINT32: return buffer.readUInt32LE(p);
        case ValueType.INT32: return buffer.readInt32LE(p);
        case ValueType.FLOAT32: return buffer.readFloatLE(p);
        case ValueType.BOOL: return buffer.readUInt8(p) !== 0;
        case ValueType.UINT64: return buffer.readBigUInt64LE(p);
        case ValueType.INT64: return buffer.readBigInt64LE(p);
        default: return buffer.readDoubleLE(p);
      }
    };
    if (u32() !== GGUF_MAGIC) throw new Error(`${path} is not a GGUF file`);
    const version = u32();
    if (version !== GGUF_VERSION) throw new Error(`${path} is GGUF v${version}; only v${GGUF_VERSION} is read`);
    u64(); // tensor count
    const count = Number(u64());
    const metadata = new Map<string, MetaValue>();
    for (let i = 0; i < count; i++) {
      const key = string();
      const type = u32() as ValueType;
      if (type !== ValueType.ARRAY) {
        metadata.set(key, { type, value: scalar(type) });
        continue;
      }
      const itemType = u32() as Exclude<ValueType, typeof ValueType.ARRAY>;
      const length = Number(u64());
      const items: Scalar[] = [];
      for (let j = 0; j < length; j++) items.push(scalar(itemType));
      metadata.set(key, { type, itemType, items });
    }
    return metadata;
  } finally {
    closeSync(fd);
  }
}
