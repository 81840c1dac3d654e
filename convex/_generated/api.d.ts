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
import type * as crons from "../crons.js";
import type * as cutover_apiKeys from "../cutover/apiKeys.js";
import type * as cutover_auth from "../cutover/auth.js";
import type * as cutover_dispatch from "../cutover/dispatch.js";
import type * as cutover_execute from "../cutover/execute.js";
import type * as cutover_flags from "../cutover/flags.js";
import type * as cutover_http from "../cutover/http.js";
import type * as cutover_importedWorkflows from "../cutover/importedWorkflows.js";
import type * as cutover_inngestBlobs from "../cutover/inngestBlobs.js";
import type * as cutover_inngestRuns from "../cutover/inngestRuns.js";
import type * as cutover_logs from "../cutover/logs.js";
import type * as cutover_mirror from "../cutover/mirror.js";
import type * as cutover_mirrorPoll from "../cutover/mirrorPoll.js";
import type * as cutover_nightly from "../cutover/nightly.js";
import type * as cutover_parity from "../cutover/parity.js";
import type * as cutover_reaper from "../cutover/reaper.js";
import type * as cutover_rollups from "../cutover/rollups.js";
import type * as cutover_runOptions from "../cutover/runOptions.js";
import type * as cutover_runStart from "../cutover/runStart.js";
import type * as cutover_runs from "../cutover/runs.js";
import type * as cutover_shadowSlots from "../cutover/shadowSlots.js";
import type * as cutover_steps from "../cutover/steps.js";
import type * as cutover_triggers from "../cutover/triggers.js";
import type * as cutover_validators from "../cutover/validators.js";
import type * as cutover_workflows from "../cutover/workflows.js";
import type * as http from "../http.js";
import type * as inferpipeRuns from "../inferpipeRuns.js";

/**
 * A utility for referencing Convex functions in your app's API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
declare const fullApi: ApiFromModules<{
  crons: typeof crons;
  "cutover/apiKeys": typeof cutover_apiKeys;
  "cutover/auth": typeof cutover_auth;
  "cutover/dispatch": typeof cutover_dispatch;
  "cutover/execute": typeof cutover_execute;
  "cutover/flags": typeof cutover_flags;
  "cutover/http": typeof cutover_http;
  "cutover/importedWorkflows": typeof cutover_importedWorkflows;
  "cutover/inngestBlobs": typeof cutover_inngestBlobs;
  "cutover/inngestRuns": typeof cutover_inngestRuns;
  "cutover/logs": typeof cutover_logs;
  "cutover/mirror": typeof cutover_mirror;
  "cutover/mirrorPoll": typeof cutover_mirrorPoll;
  "cutover/nightly": typeof cutover_nightly;
  "cutover/parity": typeof cutover_parity;
  "cutover/reaper": typeof cutover_reaper;
  "cutover/rollups": typeof cutover_rollups;
  "cutover/runOptions": typeof cutover_runOptions;
  "cutover/runStart": typeof cutover_runStart;
  "cutover/runs": typeof cutover_runs;
  "cutover/shadowSlots": typeof cutover_shadowSlots;
  "cutover/steps": typeof cutover_steps;
  "cutover/triggers": typeof cutover_triggers;
  "cutover/validators": typeof cutover_validators;
  "cutover/workflows": typeof cutover_workflows;
  http: typeof http;
  inferpipeRuns: typeof inferpipeRuns;
}>;
export declare const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
>;
export declare const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
>;
