// Which workflow does a command's <workflow> argument name? A file, read as always, or else the id of a workflow
// `cutover import` stored, found in the one workspace that has it (or the one --workspace names).
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { cutoverHome } from "../store/home.ts";
import type { ImportedWorkflow } from "../store/imported-workflows.ts";
import type { ControlStore } from "../store/port.ts";
import { UsageError } from "./exit.ts";
import { withStore } from "./store.ts";

/** An imported workflow a command runs: its document as imported and the workspace it belongs to. */
export interface ImportedSource {
  workflowId: string;
  workspaceId: string;
  name: string;
  document: unknown;
}

/** Returns the option's value when given on the command line (or by environment), undefined when defaulted. */
export function explicitOption(cmd: Command, name: string): string | undefined {
  const source = cmd.getOptionValueSource(name);
  const value = cmd.getOptionValue(name);
  return source === undefined || source === "default" || typeof value !== "string" ? undefined : value;
}

/** Without CONVEX_URL and before anything was stored there is no store to ask: looking must not create one. */
function storeExists(): boolean {
  return Boolean(process.env.CONVEX_URL) || existsSync(join(cutoverHome(), "state.db"));
}

function workspacesOf(found: readonly ImportedWorkflow[]): string {
  return found.map((w) => w.workspaceId).join(", ");
}

/**
 * Returns the imported workflow `arg` names, or null when the command should read `arg` as a file exactly as
 * before: it exists (or is `-`), or it looks like a path (has a slash or ends in .json) and no imported
 * workflow has that id. Without `workspace`, the id must be in exactly one workspace. Throws UsageError
 * (exit 2) when the id is in several workspaces and none was named, when it is not in the one named, or
 * when `arg` is neither a file nor an imported id.
 */
export async function resolveWorkflowArgument(
  arg: string,
  options: { workspace?: string } = {},
): Promise<ImportedSource | null> {
  if (arg === "" || arg === "-" || existsSync(arg)) return null;
  const pathLike = /[\\/]|\.json$/i.test(arg);
  let found: ImportedWorkflow[] = [];
  if (storeExists()) {
    try {
      found = await withStore((store) => store.findImportedWorkflow(arg));
    } catch (err) {
      // A missing file should still say so, even where the control-plane store is not configured.
      if (pathLike) return null;
      throw err;
    }
  }
  let chosen: ImportedWorkflow | undefined;
  if (options.workspace !== undefined) {
    chosen = found.find((w) => w.workspaceId === options.workspace);
    if (!chosen && found.length > 0) {
      throw new UsageError(
        `imported workflow ${arg} is not in workspace ${options.workspace} (it is in ${workspacesOf(found)})`,
      );
    }
  } else if (found.length > 1) {
    throw new UsageError(
      `imported workflow ${arg} is in ${found.length} workspaces (${workspacesOf(found)}): give --workspace`,
    );
  } else chosen = found[0];
  if (!chosen) {
    if (pathLike) return null;
    throw new UsageError(
      `${arg} is neither a workflow file nor the id of an imported workflow (see cutover import)`,
    );
  }
  process.stderr.write(
    `cutover: imported workflow ${chosen.workflowId}${chosen.name ? ` ${JSON.stringify(chosen.name)}` : ""} (workspace ${chosen.workspaceId})\n`,
  );
  return {
    workflowId: chosen.workflowId,
    workspaceId: chosen.workspaceId,
    name: chosen.name,
    document: JSON.parse(chosen.documentJson),
  };
}

/**
 * Says on stderr which imported workflow a flag command's id names, so an operator sees the flag lands on the
 * workflow they meant; an id that is not imported (a workflow saved on the deployment, say) is taken as is.
 */
export async function noteImportedWorkflow(store: ControlStore, workflowId: string): Promise<void> {
  if (workflowId === "") return;
  const found = await store.findImportedWorkflow(workflowId);
  if (found.length === 0) return;
  const name = found[0].name ? ` ${JSON.stringify(found[0].name)}` : "";
  process.stderr.write(
    `cutover: ${workflowId} is imported workflow${name} (workspace${found.length === 1 ? "" : "s"} ${workspacesOf(found)})\n`,
  );
}
