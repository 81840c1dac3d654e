// What do cutover's functions return? Validators for the documents and shapes several functions share.
import { type GenericValidator, v } from "convex/values";
import { cutoverTables, shadowPairFields } from "./schema";

type Tables = typeof cutoverTables;

/** A stored document of one of cutover's tables: its fields plus `_id` and `_creationTime`. */
export function docOf<T extends keyof Tables & string>(table: T) {
  const fields = (cutoverTables[table].validator as unknown as { fields: Record<string, GenericValidator> })
    .fields;
  return v.object({ ...fields, _id: v.id(table), _creationTime: v.number() });
}

/** The fields of one of cutover's tables, as a stored document holds them without `_id` and `_creationTime`. */
export function fieldsOf<T extends keyof Tables & string>(table: T) {
  return v.object(
    (cutoverTables[table].validator as unknown as { fields: Record<string, GenericValidator> }).fields,
  );
}

/** A value or null. */
export const nullable = <V extends GenericValidator>(validator: V) => v.union(validator, v.null());

/** A page of a run's steps and where the next begins (null: none left). */
export const stepPageFields = {
  steps: v.array(docOf("cutover_steps")),
  stepsCursor: v.union(v.string(), v.null()),
};

/** A stored shadow pair as the store reads it. */
export const shadowPair = v.object(shadowPairFields);
