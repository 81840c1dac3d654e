// Does every kind of bad graph get its own error code, with a message naming the culprit?
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { UsageError } from "../cli/exit.ts";
import { validateFile } from "../cli/validate.ts";
import { compileWorkflow, ValidationCode } from "../workflow/compile.ts";
import { MAX_DOCUMENT_DEPTH } from "../workflow/document.ts";

const dir = join(import.meta.dirname, "corpus", "invalid");
const expected = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as {
  allowHosts: string[];
  files: Record<string, { code: string; names: string; what: string }>;
};
const corpusFiles = readdirSync(dir).filter((f) => f.endsWith(".json") && f !== "expected.json");
const tmp = mkdtempSync(join(tmpdir(), "cutover-corpus-"));

/** Runs `cutover validate --json` in-process and returns its exit code and printed document. */
function validateJson(path: string): {
  code: number;
  out: { valid: boolean; errors: { code: string; message: string }[] };
} {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    const code = validateFile(path, { json: true });
    return { code, out: JSON.parse(chunks.join("")) };
  } finally {
    spy.mockRestore();
  }
}

describe("the invalid corpus", () => {
  it("has at least 30 graphs, each with an expectation, and covers every graph-level code", () => {
    expect(corpusFiles.length).toBeGreaterThanOrEqual(30);
    expect(corpusFiles.sort()).toEqual(Object.keys(expected.files).sort());
    const covered = new Set(Object.values(expected.files).map((e) => e.code));
    // TOO_MANY_ERRORS and DOCUMENT_TOO_DEEP come from generated junk below, not from files.
    const generated = new Set(["TOO_MANY_ERRORS", "DOCUMENT_TOO_DEEP"]);
    for (const code of Object.values(ValidationCode))
      if (!generated.has(code)) expect(covered, code).toContain(code);
  });

  for (const [file, { code, names, what }] of Object.entries(expected.files)) {
    it(`${file} (${what}) → ${code}`, () => {
      const result = compileWorkflow(JSON.parse(readFileSync(join(dir, file), "utf8")), {
        allowHosts: expected.allowHosts,
      });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.errors.map((e) => e.code)).toEqual(result.errors.map(() => code));
      expect(result.errors.length).toBeGreaterThan(0);
      expect(result.errors.map((e) => e.message).join("\n")).toContain(names);
    });
  }
});

describe("cutover validate on the corpus (in-process)", () => {
  beforeEach(() => {
    process.env.CUTOVER_HTTP_ALLOW_HOSTS = expected.allowHosts.join(",");
  });
  afterEach(() => {
    delete process.env.CUTOVER_HTTP_ALLOW_HOSTS;
  });

  it("exits 1 with the expected code for every corpus file", () => {
    for (const [file, { code }] of Object.entries(expected.files)) {
      const { code: exit, out } = validateJson(join(dir, file));
      expect(exit, file).toBe(1);
      expect(out.valid, file).toBe(false);
      expect(new Set(out.errors.map((e) => e.code)), file).toEqual(new Set([code]));
    }
  });

  it("exits 0 for every example, dag and inferpipe's own (legacy, warnings listed)", () => {
    const examples = readdirSync("examples").filter((f) => f.endsWith(".json"));
    expect(examples.length).toBeGreaterThanOrEqual(5);
    for (const file of examples)
      expect(validateJson(join("examples", file)), file).toEqual({
        code: 0,
        out: { valid: true, profile: "dag", errors: [], warnings: [] },
      });
    const inferpipe = readdirSync(join("examples", "inferpipe")).filter((f) => f.endsWith(".json"));
    expect(inferpipe.length).toBeGreaterThanOrEqual(5);
    for (const file of inferpipe)
      expect(validateJson(join("examples", "inferpipe", file)), file).toMatchObject({
        code: 0,
        out: { valid: true, profile: "legacy", errors: [] },
      });
  });
});

describe("malformed documents generated here (too big or odd to commit)", () => {
  const write = (name: string, content: string | Buffer) => {
    const path = join(tmp, name);
    writeFileSync(path, content);
    return path;
  };

  it("an empty or blank file is a usage error naming the file", () => {
    for (const content of ["", " \n\t\n"]) {
      const path = write("empty.json", content);
      expect(() => validateFile(path, {})).toThrowError(UsageError);
      expect(() => validateFile(path, {})).toThrowError(`workflow file ${path} is empty`);
    }
  });

  it("5 MB of random bytes is a usage error saying it is not JSON", () => {
    const path = write("junk.bin", randomBytes(5 * 1024 * 1024));
    expect(() => validateFile(path, {})).toThrowError(new RegExp(`workflow file ${path} is not JSON`));
  });

  it("5 MB of JSON junk is reported field by field, capped, without hanging", () => {
    const junk = () => {
      const pick = Math.floor(Math.random() * 5);
      return [42, "node", null, [1, { x: "y" }], { id: 7, type: false, position: "here" }][pick];
    };
    const nodes: unknown[] = [];
    let size = 0;
    while (size < 5 * 1024 * 1024) {
      const item = junk();
      nodes.push(item);
      size += JSON.stringify(item).length + 1;
    }
    const doc = JSON.parse(JSON.stringify({ name: 17, nodes, edges: "none" }));
    const result = compileWorkflow(doc);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(new Set(result.errors.map((e) => e.code))).toEqual(new Set(["SCHEMA_INVALID", "TOO_MANY_ERRORS"]));
    expect(result.errors[0]).toMatchObject({ path: "name" });
    expect(result.errors.at(-1)!.message).toMatch(/^\d+ more issues not listed/);
  });

  it("deeply nested junk is DOCUMENT_TOO_DEEP at the path where it gets too deep", () => {
    const depth = 100_000;
    const text = `{"name":"deep","nodes":[${"[".repeat(depth)}${"]".repeat(depth)}],"edges":[]}`;
    const result = compileWorkflow(JSON.parse(text));
    expect(result).toMatchObject({ ok: false, errors: [{ code: "DOCUMENT_TOO_DEEP" }] });
    if (result.ok) return;
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0].path).toBe(`nodes${"[0]".repeat(MAX_DOCUMENT_DEPTH)}`);
    expect(result.errors[0].message).toContain(`deeper than ${MAX_DOCUMENT_DEPTH} levels at nodes[0]`);

    // Built as text: JSON.stringify itself would overflow the stack on this value.
    const deepData = `${'{"next":'.repeat(5000)}{}${"}".repeat(5000)}`;
    const deepDoc = `{"name":"deep data","nodes":[{"id":"input","type":"input","position":{"x":0,"y":0},"data":${deepData}}],"edges":[]}`;
    const viaCli = validateJson(write("deep.json", deepDoc));
    expect(viaCli.code).toBe(1);
    expect(viaCli.out.errors).toHaveLength(1);
    expect(viaCli.out.errors[0]).toMatchObject({ code: "DOCUMENT_TOO_DEEP" });
    expect(viaCli.out.errors[0].message).toContain("at nodes[0].data.next.next");
  });
});
