// Where do step payloads too large for Inngest's 4 MB step limit go? A blob store, leaving a hash-comparable reference.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { canonicalJson, sha256 } from "../../lib/canonical.ts";
import { cutoverHome } from "../../store/home.ts";
import type { PayloadRef } from "../records.ts";

/** Keeps JSON payloads by content hash; production points this at shared storage both the server and readers see. */
export interface BlobStore {
  put(sha: string, json: string): Promise<void>;
  /** Returns the stored JSON, or undefined when the blob is missing. */
  get(sha: string): Promise<string | undefined>;
}

/** A store inside this process: the embedded runner's default. */
export class MemoryBlobStore implements BlobStore {
  private readonly blobs = new Map<string, string>();
  async put(sha: string, json: string) {
    this.blobs.set(sha, json);
  }
  async get(sha: string) {
    return this.blobs.get(sha);
  }
}

/** A store in a directory (by default `blobs` in the state directory, store/home.ts). */
export class FileBlobStore implements BlobStore {
  constructor(readonly dir = join(cutoverHome(), "blobs")) {}
  async put(sha: string, json: string) {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, `${sha}.json`), json);
  }
  async get(sha: string) {
    try {
      return readFileSync(join(this.dir, `${sha}.json`), "utf8");
    } catch {
      return undefined;
    }
  }
}

/** Inngest's limit is 4 MB per step output; the default leaves room for the step's other fields. */
export const DEFAULT_INLINE_LIMIT_BYTES = 1_000_000;

export function isPayloadRef(value: unknown): value is PayloadRef {
  return (
    !!value &&
    typeof value === "object" &&
    typeof (value as PayloadRef).$ref === "string" &&
    typeof (value as PayloadRef).sha256 === "string" &&
    typeof (value as PayloadRef).bytes === "number"
  );
}

/** Returns the value itself when small, else a reference to its canonical JSON in the store. */
export async function storeIfLarge(value: unknown, store: BlobStore, limitBytes: number): Promise<unknown> {
  if (value === undefined || value === null || typeof value !== "object") return value;
  const json = canonicalJson(value);
  const bytes = Buffer.byteLength(json);
  if (bytes <= limitBytes) return value;
  const hash = sha256(json);
  await store.put(hash, json);
  return { $ref: `blob:${hash}`, bytes, sha256: hash } satisfies PayloadRef;
}

/** Returns the value a reference stands for (values that are not references come back as they are). */
export async function loadRef(value: unknown, store: BlobStore): Promise<unknown> {
  if (!isPayloadRef(value) || !value.$ref.startsWith("blob:")) return value;
  const json = await store.get(value.sha256);
  if (json === undefined)
    throw new Error(`payload ${value.$ref} (${value.bytes} bytes) is missing from the blob store`);
  return JSON.parse(json);
}
