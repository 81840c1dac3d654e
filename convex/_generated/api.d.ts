/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";
import type * as apiKeys from "../apiKeys.js";
import type * as auth from "../auth.js";
import type * as crons from "../crons.js";
import type * as dispatch from "../dispatch.js";
import type * as execute from "../execute.js";
import type * as flags from "../flags.js";
import type * as http from "../http.js";
import type * as importedWorkflows from "../importedWorkflows.js";
import type * as inngestBlobs from "../inngestBlobs.js";
import type * as inngestRuns from "../inngestRuns.js";
import type * as logs from "../logs.js";
import type * as mirror from "../mirror.js";
import type * as mirrorPoll from "../mirrorPoll.js";
import type * as parity from "../parity.js";
import type * as rollups from "../rollups.js";
import type * as runOptions from "../runOptions.js";
import type * as reaper from "../reaper.js";
import type * as runStart from "../runStart.js";
import type * as runs from "../runs.js";
import type * as shadowSlots from "../shadowSlots.js";
import type * as steps from "../steps.js";
import type * as triggers from "../triggers.js";
import type * as workflows from "../workflows.js";

/**
 * A utility for referencing Convex functions in your app's API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
declare const fullApi: ApiFromModules<{
  apiKeys: typeof apiKeys;
  auth: typeof auth;
  crons: typeof crons;
  dispatch: typeof dispatch;
  execute: typeof execute;
  flags: typeof flags;
  http: typeof http;
  importedWorkflows: typeof importedWorkflows;
  inngestBlobs: typeof inngestBlobs;
  inngestRuns: typeof inngestRuns;
  logs: typeof logs;
  mirror: typeof mirror;
  mirrorPoll: typeof mirrorPoll;
  parity: typeof parity;
  rollups: typeof rollups;
  runOptions: typeof runOptions;
  reaper: typeof reaper;
  runStart: typeof runStart;
  runs: typeof runs;
  shadowSlots: typeof shadowSlots;
  steps: typeof steps;
  triggers: typeof triggers;
  workflows: typeof workflows;
}>;
export declare const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
>;
export declare const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
>;
