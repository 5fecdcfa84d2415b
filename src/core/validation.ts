/**
 * Input validation shared by the HTTP API and the admin pages: zod issues become `{ path, message }`
 * pairs whose message names the field, so an administrator knows exactly what to fix.
 * @module
 */
import * as z from "./zod.ts";

export interface FieldIssue {
  /** Dotted path such as `authEndpoint` or `to.0.address`; empty for the body itself. */
  path: string;
  message: string;
}

/** Input was refused; `issues` lists every bad field. */
export class ValidationError extends Error {
  override readonly name = "ValidationError";
  readonly issues: FieldIssue[];

  constructor(issues: FieldIssue[], options?: { cause?: unknown }) {
    super(issues.map((issue) => issue.message).join("; "), options);
    this.issues = issues;
  }
}

/** Parses `input` with `schema`, or throws a `ValidationError` listing every problem. */
export function parseInput<T extends z.ZodMiniType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) {
    return result.data;
  }
  const issues = result.error.issues.flatMap(toFieldIssues);
  const firstPerField = issues.filter(
    (issue, index) => issues.findIndex((other) => other.path === issue.path) === index,
  );
  throw new ValidationError(firstPerField);
}

/**
 * The fields of a parsed patch that the request actually named. zod applies `z._default` even in
 * `z.partial` schemas, so without this a patch would quietly reset every field it did not mention.
 */
export function namedFields<T extends object>(parsed: T, input: unknown): Partial<T> {
  const named = typeof input === "object" && input !== null ? new Set(Object.keys(input)) : new Set<string>();
  return Object.fromEntries(
    Object.entries(parsed).filter(([key, value]) => named.has(key) && value !== undefined),
  ) as Partial<T>;
}

/**
 * Refuses the input of a `z.transform` with `message`, as classic zod's `ctx.addIssue` did (mini's
 * transforms get the bare parse payload): `return refuse(payload, "…")`.
 */
export function refuse(payload: z.core.ParsePayload, message: string): never {
  payload.issues.push({ code: "custom", message, input: payload.value });
  return z.NEVER;
}

/** A field issue whose message starts with the field's name. */
export function fieldIssue(path: string, phrase: string): FieldIssue {
  return { path, message: `${path === "" ? "body" : path} ${phrase}` };
}

function toFieldIssues(issue: z.core.$ZodIssue): FieldIssue[] {
  const path = issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => fieldIssue(path === "" ? key : `${path}.${key}`, "is not a known field"));
  }
  return [fieldIssue(path, describe(issue))];
}

function describe(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) {
        return "is required";
      }
      return issue.expected === "object" ? "must be a JSON object" : `must be ${withArticle(issue.expected)}`;
    case "too_small":
      return describeBound(issue.origin, "at least", issue.minimum);
    case "too_big":
      return describeBound(issue.origin, "at most", issue.maximum);
    case "invalid_value":
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(", ")}`;
    case "invalid_format":
      return issue.format === "regex" ? issue.message : `must be a valid ${issue.format}`;
    case "invalid_union":
      return "has the wrong type";
    default:
      return issue.message;
  }
}

function describeBound(origin: string, relation: string, bound: number | bigint): string {
  if (origin === "string") {
    return bound === 1 && relation === "at least" ? "must not be empty" : `must be ${relation} ${bound} characters`;
  }
  if (origin === "array" || origin === "set") {
    return `must have ${relation} ${bound} item${bound === 1 ? "" : "s"}`;
  }
  return `must be ${relation} ${bound}`;
}

function withArticle(noun: string): string {
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}
