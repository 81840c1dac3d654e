// Which models may a node use, and what does a call cost? The model catalog, read from models.json.
import type { Tokens } from "../executors/records.ts";
import { roundUsd } from "../executors/records.ts";
import { ErrorCode, NodeError } from "./errors.ts";
import catalog from "./models.json" with { type: "json" };

export interface ModelEntry {
  provider: string;
  inputPerMTok: number;
  outputPerMTok: number;
}

const models: Record<string, ModelEntry> = catalog.models;

/** Returns the catalog's model names, sorted. */
export function modelNames(): string[] {
  return Object.keys(models).sort();
}

/** Returns the catalog entry, or undefined for a model the catalog does not know. */
export function findModel(name: string): ModelEntry | undefined {
  return Object.hasOwn(models, name) ? models[name] : undefined;
}

/** Returns the USD cost of a call's usage; throws MODEL_UNKNOWN for a model outside the catalog. */
export function costOf(model: string, tokens: Tokens): number {
  const entry = findModel(model);
  if (!entry)
    throw new NodeError(
      ErrorCode.MODEL_UNKNOWN,
      `model "${model}" is not in the catalog (workflow/models.json)`,
    );
  return roundUsd((tokens.input * entry.inputPerMTok + tokens.output * entry.outputPerMTok) / 1_000_000);
}
