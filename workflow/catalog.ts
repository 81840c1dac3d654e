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

interface CatalogEntry {
  provider: string;
  inputPerMTok?: number;
  outputPerMTok?: number;
  /** Served for audio only (transcribe, tts): no text price, no text calls. */
  audio?: boolean;
}

const models: Record<string, CatalogEntry> = catalog.models;

/** Returns the names of the models a text call can use and price (the dag profile's choice), sorted. */
export function modelNames(): string[] {
  return Object.keys(models)
    .filter((name) => findModel(name))
    .sort();
}

/** Returns the entry of a priced text model, or undefined for a model the catalog does not know or cannot price. */
export function findModel(name: string): ModelEntry | undefined {
  if (!Object.hasOwn(models, name)) return undefined;
  const entry = models[name];
  if (entry.audio || typeof entry.inputPerMTok !== "number" || typeof entry.outputPerMTok !== "number")
    return undefined;
  return entry as ModelEntry;
}

/** True for a model the catalog lists as audio only (inferpipe's builder offers them for ai nodes too). */
export function isAudioModel(name: string): boolean {
  return Object.hasOwn(models, name) && models[name].audio === true;
}

/** Returns the USD cost of a call's usage, or null when the catalog has no price for the model. */
export function priceOf(model: string, tokens: Tokens): number | null {
  return findModel(model) ? costOf(model, tokens) : null;
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
