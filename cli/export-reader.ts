// Which workflow documents does an export hold? inferpipe's `workflows` table read from a Convex snapshot export
// (ZIP or unzipped folder) or from a JSONL file, line by line; anything unreadable is a UsageError naming the file.
//
// The layout, as Convex documents and reads it (its CLI: "ZIP files must have one directory per table,
// containing <table>/documents.jsonl. Snapshot exports from the Convex dashboard have this format"; its
// snapshot importer matches `(<prefix>/)?<table>/documents.jsonl`):
//   <table>/documents.jsonl              one JSON document per line, for every table of the app (`workflows/…`)
//   _tables/documents.jsonl              the system list of tables; `_storage/…` holds files (--include-file-storage)
//   _components/<name>/<table>/documents.jsonl   a component's own tables (not inferpipe's app table)
//   <table>/generated_schema.jsonl       older exports only; README.md may sit at the root
// Some tools wrap everything in one top folder (`snapshot_<ts>/workflows/documents.jsonl`), which Convex's
// importer also accepts, so a prefix without `_components` is accepted here too.
import { closeSync, createReadStream, existsSync, openSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { crc32 } from "node:zlib";
import yauzl from "yauzl";
import { UsageError } from "./exit.ts";

/** The table `cutover import` reads: where inferpipe's builder saves its workflows. */
export const WORKFLOWS_TABLE = "workflows";

/** One document of the export and where it was: its 1-based line in the JSONL it came from. */
export interface ExportDocument {
  line: number;
  value: unknown;
}

export interface WorkflowExport {
  /** The path given on the command line. */
  file: string;
  format: "zip" | "directory" | "jsonl";
  /** The JSONL the documents came from: the entry inside the ZIP, the file in the folder, or the file itself. */
  table: string;
  documents: ExportDocument[];
}

/**
 * Returns every document of the export's workflows table, in file order. Throws UsageError (exit 2, nothing
 * written) for what cannot be read: a missing file, a corrupt ZIP, a ZIP without a workflows table, a line
 * that is not JSON (naming the file and the line).
 */
export async function readWorkflowExport(path: string): Promise<WorkflowExport> {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read export ${path}: ${code === "ENOENT" ? "no such file" : code}`);
  }
  if (isDirectory) {
    const table = join(WORKFLOWS_TABLE, "documents.jsonl");
    if (!existsSync(join(path, table))) {
      throw new UsageError(
        `export ${path} is a directory without ${table} (npx convex export --path <dir> writes a snapshot ZIP into <dir>: give that file)`,
      );
    }
    const documents = await parseJsonLines(createReadStream(join(path, table)), `export ${path} (${table})`);
    return { file: path, format: "directory", table, documents };
  }
  if (looksLikeZip(path)) return readZip(path);
  const documents = await parseJsonLines(createReadStream(path), `export ${path}`);
  return { file: path, format: "jsonl", table: path, documents };
}

/** True for a file that starts as a ZIP does (a local file header, or the end record of an empty ZIP) or is named .zip. */
function looksLikeZip(path: string): boolean {
  if (/\.zip$/i.test(path)) return true;
  const head = Buffer.alloc(4);
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const n = readSync(fd, head, 0, 4, 0);
    return (
      n === 4 && head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5 || head[2] === 7)
    );
  } catch (err) {
    throw new UsageError(`cannot read export ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Where a `<table>/documents.jsonl` entry sits: its table, and whether a component owns it. */
function tableOf(fileName: string): { table: string; prefix: string; component: boolean } | null {
  const parts = fileName.split("/");
  if (parts.length < 2 || parts.at(-1) !== "documents.jsonl") return null;
  const prefix = parts.slice(0, -2);
  return { table: parts.at(-2)!, prefix: prefix.join("/"), component: prefix.includes("_components") };
}

async function readZip(path: string): Promise<WorkflowExport> {
  const what = `export ${path}`;
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(path, { autoClose: false, validateEntrySizes: true });
  } catch (err) {
    throw new UsageError(`cannot read ${what}: not a readable ZIP (${(err as Error).message})`);
  }
  try {
    const candidates: yauzl.Entry[] = [];
    const tables = new Set<string>();
    const inComponents: string[] = [];
    try {
      for await (const entry of zip.eachEntry()) {
        const at = tableOf(entry.fileName);
        if (!at) continue;
        if (at.component) {
          if (at.table === WORKFLOWS_TABLE) inComponents.push(entry.fileName);
        } else if (at.table === WORKFLOWS_TABLE) candidates.push(entry);
        else if (!at.table.startsWith("_")) tables.add(at.table);
      }
    } catch (err) {
      throw new UsageError(`cannot read ${what}: corrupt ZIP (${(err as Error).message})`);
    }
    if (candidates.length === 0) {
      const found = tables.size
        ? `its tables: ${[...tables].sort().slice(0, 12).join(", ")}${tables.size > 12 ? ", …" : ""}`
        : "it holds no <table>/documents.jsonl at all, so it is not a Convex snapshot export";
      const components = inComponents.length
        ? `; ${inComponents.join(", ")} belong${inComponents.length === 1 ? "s" : ""} to a component, not to inferpipe's app`
        : "";
      throw new UsageError(
        `${what} has no ${WORKFLOWS_TABLE} table (no ${WORKFLOWS_TABLE}/documents.jsonl; ${found}${components})`,
      );
    }
    if (candidates.length > 1) {
      throw new UsageError(
        `${what} has ${candidates.length} ${WORKFLOWS_TABLE} tables (${candidates.map((e) => e.fileName).join(", ")}): give one export`,
      );
    }
    const entry = candidates[0];
    const label = `${what} (${entry.fileName})`;
    if (entry.isEncrypted()) throw new UsageError(`cannot read ${label}: it is encrypted`);
    let stream: Readable;
    try {
      stream = await zip.openReadStreamPromise(entry);
    } catch (err) {
      throw new UsageError(`cannot read ${label}: ${(err as Error).message}`);
    }
    // yauzl does not check CRC-32s: a flipped byte in stored (uncompressed) data would otherwise pass.
    let crc = 0;
    const checked = (async function* () {
      for await (const chunk of stream) {
        crc = crc32(chunk as Buffer, crc);
        yield chunk as Buffer;
      }
    })();
    const documents = await parseJsonLines(checked, label);
    if (crc >>> 0 !== entry.crc32 >>> 0)
      throw new UsageError(`cannot read ${label}: corrupt data (CRC-32 mismatch)`);
    return { file: path, format: "zip", table: entry.fileName, documents };
  } finally {
    zip.close();
  }
}

/**
 * Returns the JSON value of every non-blank line, with its 1-based line number. Throws UsageError naming
 * `label` for a stream that fails and, with its line number, for a line that is not JSON.
 */
export async function parseJsonLines(
  chunks: AsyncIterable<Buffer | string>,
  label: string,
): Promise<ExportDocument[]> {
  const documents: ExportDocument[] = [];
  const decoder = new StringDecoder("utf8");
  let pending = "";
  let line = 0;
  const take = (text: string) => {
    line++;
    let t = text.endsWith("\r") ? text.slice(0, -1) : text;
    if (line === 1 && t.charCodeAt(0) === 0xfeff) t = t.slice(1);
    if (t.trim() === "") return;
    try {
      documents.push({ line, value: JSON.parse(t) });
    } catch (err) {
      throw new UsageError(`${label} line ${line} is not JSON: ${(err as Error).message.split("\n")[0]}`);
    }
  };
  try {
    for await (const chunk of chunks) {
      pending += typeof chunk === "string" ? chunk : decoder.write(chunk);
      let start = 0;
      for (let at = pending.indexOf("\n"); at !== -1; at = pending.indexOf("\n", start)) {
        take(pending.slice(start, at));
        start = at + 1;
      }
      pending = pending.slice(start);
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read ${label}: ${code === "ENOENT" ? "no such file" : (code ?? (err as Error).message)}`,
    );
  }
  pending += decoder.end();
  if (pending !== "") take(pending);
  return documents;
}
