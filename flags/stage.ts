// Which executor answers, and which runs in its shadow, at each stage of a workflow's cutover?
import { z } from "zod";

/** convex (legacy only) → shadow (Convex primary, Inngest shadow) → live (Inngest primary, Convex shadow) → inngest. */
export const Stage = z.enum(["convex", "shadow", "live", "inngest"]);
export type Stage = z.infer<typeof Stage>;

export const STAGES: readonly Stage[] = Stage.options;

export type ExecutorSide = "convex" | "inngest";

/** Returns the primary and shadow executors a stage names (shadow null when nothing runs beside the primary). */
export function stageExecutors(stage: Stage): { primary: ExecutorSide; shadow: ExecutorSide | null } {
  switch (stage) {
    case "convex":
      return { primary: "convex", shadow: null };
    case "shadow":
      return { primary: "convex", shadow: "inngest" };
    case "live":
      return { primary: "inngest", shadow: "convex" };
    case "inngest":
      return { primary: "inngest", shadow: null };
  }
}

/** Returns true when the stage would run anything on Convex, as primary or as shadow. */
export function routesToConvex(stage: Stage): boolean {
  const { primary, shadow } = stageExecutors(stage);
  return primary === "convex" || shadow === "convex";
}
