/// <reference types="vite/client" />
import { convexTest } from "convex-test";
import { describe, expect, it } from "vitest";
import schema from "../convex/schema.ts";
import { describeStoreContract } from "./contract.ts";
import { convexStore } from "./convex.ts";

const modules = import.meta.glob("../convex/**/*.ts");

describeStoreContract("convex (convex-test)", () => convexStore(convexTest(schema, modules)));

describe("convex store", () => {
  it("keeps workspace ids that are not Convex field names in flag overrides", async () => {
    const store = convexStore(convexTest(schema, modules));
    const next = {
      stage: "shadow" as const,
      samplePct: 5,
      shadowProvider: "replay" as const,
      dailyBudgetUsd: 0,
      workspaceOverrides: {
        $pilot: { stage: "live" as const },
        "_ws.ü": { stage: "inngest" as const, samplePct: 1 },
      },
    };
    const doc = await store.compareAndSetFlag({
      workflowId: "wf1",
      expectedVersion: 0,
      next,
      actor: "a",
      reason: "r",
    });
    expect(doc.workspaceOverrides).toEqual(next.workspaceOverrides);
    expect((await store.getFlag("wf1"))?.workspaceOverrides).toEqual(next.workspaceOverrides);
    expect((await store.listAudit("wf1"))[0].to).toEqual(next);
  });
});
