// Where do recorded LLM answers live? The cassette file: its format, reading it, and writing it atomically.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { Tokens } from "../../executors/records.ts";
import { canonicalJson } from "../../lib/canonical.ts";
import { ErrorCode, NodeError } from "../errors.ts";
import type { LlmRequest, LlmResult } from "../provider.ts";

const Entry = z.object({
  request: z.looseObject({ nodeId: z.string(), model: z.string(), prompt: z.string() }),
  result: z.looseObject({
    output: z.unknown(),
    tokens: Tokens,
    costUsd: z.number().nonnegative(),
    model: z.string(),
    settings: z.looseObject({ model: z.string() }),
  }),
});
const CassetteFile = z.object({ version: z.literal(1), entries: z.record(z.string(), Entry) });

export interface CassetteEntry {
  /** The request as asked, secrets redacted (the key was computed before redaction). */
  request: LlmRequest;
  result: LlmResult;
}

/** `{ version: 1, entries: { [requestKey]: { request, result } } }`, written with sorted keys. */
export interface Cassette {
  version: 1;
  entries: Record<string, CassetteEntry>;
}

function unusable(path: string, why: string): NodeError {
  return new NodeError(ErrorCode.PROVIDER_CONFIG, `cassette ${path} is unusable: ${why}`);
}

/**
 * Returns the cassette at `path`; with `missingIsEmpty`, an absent file is an empty cassette. Throws
 * PROVIDER_CONFIG naming the file when it is missing, not JSON, or not a version-1 cassette.
 */
export async function readCassette(
  path: string,
  options: { missingIsEmpty?: boolean } = {},
): Promise<Cassette> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      if (options.missingIsEmpty) return { version: 1, entries: {} };
      throw unusable(path, "the file does not exist (record one with record:<path> or record-mock:<path>)");
    }
    throw unusable(path, (err as Error).message);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw unusable(path, `not JSON (${(err as Error).message})`);
  }
  const parsed = CassetteFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw unusable(path, `not a version-1 cassette (${issue.path.join(".") || "root"}: ${issue.message})`);
  }
  return parsed.data as unknown as Cassette;
}

/** Writes the whole cassette through a temp file and a rename, so a reader never sees half a file. */
export async function writeCassette(path: string, cassette: Cassette): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temp, `${canonicalJson(cassette, 2)}\n`, "utf8");
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/** One write queue per cassette file, so concurrent recorders in this process never drop each other's entries. */
const queues = new Map<string, Promise<unknown>>();

/**
 * Adds (or replaces) one entry: re-reads the file, merges, and writes it atomically. Resolves once the
 * entry is on disk.
 */
export function addToCassette(path: string, key: string, entry: CassetteEntry): Promise<void> {
  const file = resolve(path);
  const previous = queues.get(file) ?? Promise.resolve();
  const next = previous
    .catch(() => undefined)
    .then(async () => {
      const cassette = await readCassette(file, { missingIsEmpty: true });
      cassette.entries[key] = entry;
      await writeCassette(file, cassette);
    });
  queues.set(file, next);
  const forget = () => {
    if (queues.get(file) === next) queues.delete(file);
  };
  next.then(forget, forget);
  return next;
}
