// Where do step payloads too large for Inngest's 4 MB step limit go? A blob store, leaving a hash-comparable reference.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FunctionReference } from "convex/server";
import { internal } from "../../convex/_generated/api";
import { canonicalJson, sha256 } from "../../lib/canonical.ts";
import { cutoverHome } from "../../store/home.ts";
import type { PayloadRef } from "../records.ts";

/**
 * Keeps JSON payloads by content hash. Pluggable: in memory for the embedded runner, a directory for one
 * host, Convex file storage in production (ConvexBlobStore), so whichever instance serves a step reads
 * what another instance wrote.
 */
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
  // Long strings too: an llm's text or a script's string can pass Inngest's 4 MB step limit on its own.
  if (value === undefined || value === null || (typeof value !== "object" && typeof value !== "string")) {
    return value;
  }
  if (typeof value === "string" && value.length <= limitBytes / 6) return value;
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

/** What ConvexBlobStore needs of a Convex client: internal actions, so an admin (deploy) key or an action's ctx. */
export interface ConvexBlobClient {
  action(ref: FunctionReference<"action", "internal">, args: any): Promise<any>;
}

/**
 * Blobs in the deployment's file storage (convex/inngestBlobs.ts), keyed by SHA-256: shared by every
 * process that reaches the deployment, the submitting host and every serve-inngest instance alike.
 * Reads are cached in this process (blobs never change under a hash).
 */
export class ConvexBlobStore implements BlobStore {
  private readonly cache = new Map<string, string>();
  private cached = 0;

  constructor(
    private readonly client: ConvexBlobClient,
    /** Bytes of blob text kept in this process's read cache. */
    private readonly cacheBytes = 64 * 1024 * 1024,
  ) {}

  async put(sha: string, json: string) {
    await this.client.action(internal.cutover.inngestBlobs.put, { sha256: sha, json });
    this.remember(sha, json);
  }

  async get(sha: string) {
    const hit = this.cache.get(sha);
    if (hit !== undefined) return hit;
    const json: string | null = await this.client.action(internal.cutover.inngestBlobs.get, { sha256: sha });
    if (json === null) return undefined;
    this.remember(sha, json);
    return json;
  }

  private remember(sha: string, json: string) {
    if (json.length > this.cacheBytes) return;
    // Oldest first out, until the new one fits.
    for (const [key, value] of this.cache) {
      if (this.cached + json.length <= this.cacheBytes) break;
      this.cache.delete(key);
      this.cached -= value.length;
    }
    this.cache.set(sha, json);
    this.cached += json.length;
  }
}

/**
 * Returns the blob store the environment names: Convex file storage when CONVEX_URL and CONVEX_DEPLOY_KEY
 * are set (production: shared by every serving instance), else a directory under the state directory.
 */
export async function blobStoreFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<BlobStore> {
  if (env.CONVEX_URL && env.CONVEX_DEPLOY_KEY) {
    const { ConvexHttpClient } = await import("convex/browser");
    const client = new ConvexHttpClient(env.CONVEX_URL);
    // setAdminAuth is how Convex's own CLI calls internal functions; its type is not exported.
    (client as unknown as { setAdminAuth(key: string): void }).setAdminAuth(env.CONVEX_DEPLOY_KEY);
    return new ConvexBlobStore(client as unknown as ConvexBlobClient);
  }
  return new FileBlobStore();
}

/** Returns a store that becomes blobStoreFromEnv's on first use (for options that want a store at once). */
export function envBlobStore(env: NodeJS.ProcessEnv = process.env): BlobStore {
  let store: Promise<BlobStore> | undefined;
  const resolved = () => {
    store ??= blobStoreFromEnv(env);
    return store;
  };
  return {
    put: async (sha, json) => (await resolved()).put(sha, json),
    get: async (sha) => (await resolved()).get(sha),
  };
}
