/**
 * Reading what a core validator refused, for tests of the core's rules.
 * @module
 */
import { ValidationError } from "../../src/core/validation.ts";
import type { FieldIssue } from "../../src/core/validation.ts";

/** The issues of the `ValidationError` that `run` throws; fails when it throws none or another error. */
export function validationIssues(run: () => unknown): FieldIssue[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) {
      return error.issues;
    }
    throw error;
  }
  throw new Error("no ValidationError");
}
