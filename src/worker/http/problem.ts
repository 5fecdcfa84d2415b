/**
 * RFC 9457 problem details: every error the API answers, with the bad fields listed.
 * @module
 */
import type { FieldIssue } from "../../core/validation.ts";

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldIssue[];
  /** RFC 9457 extension members, such as `statusReason` or `credentialId`. */
  [member: string]: unknown;
}

/** The problem kinds the API answers with; `docs/problems.md` describes each. */
const PROBLEM_TYPES = {
  invalidInput: { type: "urn:edgepost:problem:invalid-input", title: "Invalid input", status: 400 },
  unauthorized: { type: "urn:edgepost:problem:unauthorized", title: "Unauthorized", status: 401 },
  forbidden: { type: "urn:edgepost:problem:forbidden", title: "Forbidden", status: 403 },
  notFound: { type: "urn:edgepost:problem:not-found", title: "Not found", status: 404 },
  conflict: { type: "urn:edgepost:problem:conflict", title: "Conflict", status: 409 },
  reauthRequired: {
    type: "urn:edgepost:problem:reauth-required",
    title: "Account needs re-authorization",
    status: 409,
  },
  payloadTooLarge: { type: "urn:edgepost:problem:payload-too-large", title: "Payload too large", status: 413 },
  unsupportedMediaType: {
    type: "urn:edgepost:problem:unsupported-media-type",
    title: "Unsupported media type",
    status: 415,
  },
  tooManyRequests: { type: "urn:edgepost:problem:too-many-requests", title: "Too many requests", status: 429 },
  misconfigured: { type: "urn:edgepost:problem:misconfigured", title: "Server misconfigured", status: 500 },
  internal: { type: "urn:edgepost:problem:internal", title: "Internal error", status: 500 },
  upstream: { type: "urn:edgepost:problem:upstream", title: "Upstream error", status: 502 },
  credentialRejected: {
    type: "urn:edgepost:problem:credential-rejected",
    title: "Credential refused by Microsoft",
    status: 502,
  },
} as const;

export type ProblemKind = keyof typeof PROBLEM_TYPES;

/** Thrown inside request handling; the app's error handler turns it into a response. */
export class ProblemError extends Error {
  override readonly name = "ProblemError";
  readonly problem: Problem;
  readonly headers: Record<string, string>;

  constructor(problem: Problem, options: { headers?: Record<string, string>; cause?: unknown } = {}) {
    super(problem.detail, { cause: options.cause });
    this.problem = problem;
    this.headers = options.headers ?? {};
  }
}

export function problem(
  kind: ProblemKind,
  detail: string,
  extra: { errors?: FieldIssue[]; members?: Record<string, unknown> } = {},
): Problem {
  const base = PROBLEM_TYPES[kind];
  return {
    ...extra.members,
    type: base.type,
    title: base.title,
    status: base.status,
    detail,
    ...(extra.errors === undefined ? {} : { errors: extra.errors }),
  };
}

export function problemResponse(body: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status: body.status,
    headers: { "content-type": "application/problem+json", "cache-control": "no-store", ...headers },
  });
}
