/// <reference types="vite/client" />
// Attack: an operator pastes a credential into a flag change's reason ("rotated sk-…", a curl line with a
// Bearer token). The audit log keeps reasons for good and shows them to everyone who reads a flag, so the
// reason is redacted before it is stored, by both store adapters (they share decideFlagWrite).
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { convexTest } from "convex-test";
import { describe, expect, it } from "vitest";
import schema from "../../convex/schema.ts";
import { defaultFlagState } from "../../flags/flag.ts";
import { REDACTED } from "../../lib/redact.ts";
import { convexStore } from "../../store/convex.ts";
import type { ControlStore } from "../../store/port.ts";
import { openSqliteStore } from "../../store/sqlite.ts";

const modules = import.meta.glob("../../convex/**/*.ts");

const KEY = "sk-abcdefghijklmnopqrstuvwxyz123456";
const TOKEN = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.dG9rZW4";
const REASON = `rotated ${KEY} after curl -H "Authorization: Bearer ${TOKEN}" leaked`;

async function writeBoth(store: ControlStore) {
  await store.compareAndSetFlag({
    workflowId: "wf_sec",
    expectedVersion: 0,
    next: { ...defaultFlagState(), stage: "shadow" },
    actor: "ops",
    reason: REASON,
  });
  const globals = await store.getGlobals();
  await store.compareAndSetGlobals({
    expectedVersion: globals.version,
    next: { killSwitch: true, legacyRemoved: false },
    actor: "ops",
    reason: `incident: ${KEY}`,
  });
}

function expectRedacted(text: string) {
  expect(text).not.toContain(KEY);
  expect(text).not.toContain(TOKEN);
}

describe("flag audit reasons are stored redacted", () => {
  it("SQLite: the audit entries and the database bytes hold no key and no bearer token", async () => {
    const home = mkdtempSync(join(tmpdir(), "cutover-audit-redaction-"));
    const path = join(home, "state.db");
    try {
      const store = openSqliteStore({ path });
      await writeBoth(store);
      const [entry] = await store.listAudit("wf_sec");
      expect(entry.reason).toBe(`rotated ${REDACTED} after curl -H "Authorization: ${REDACTED}" leaked`);
      expectRedacted(JSON.stringify(await store.listAudit("*")));
      await store.close();
      for (const file of [path, `${path}-wal`])
        if (existsSync(file)) expectRedacted(readFileSync(file, "latin1"));
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("Convex: the audit entries hold no key and no bearer token", async () => {
    const store = convexStore(convexTest(schema, modules));
    await writeBoth(store);
    const [entry] = await store.listAudit("wf_sec");
    expect(entry.reason).toContain(REDACTED);
    expectRedacted(JSON.stringify(entry));
    expectRedacted(JSON.stringify(await store.listAudit("*")));
  });

  it("a reason with nothing secret is kept as written", async () => {
    const store = convexStore(convexTest(schema, modules));
    await store.compareAndSetFlag({
      workflowId: "wf_plain",
      expectedVersion: 0,
      next: { ...defaultFlagState(), stage: "shadow" },
      actor: "ops",
      reason: "start shadowing (ticket 42)",
    });
    expect((await store.listAudit("wf_plain"))[0].reason).toBe("start shadowing (ticket 42)");
  });
});
