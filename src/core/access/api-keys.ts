/**
 * API keys: bearer tokens that can do less than `ADMIN_TOKEN`, for scripts and Jira rules. A key is
 * 256 random bits, shown once when created and stored only as its SHA-256 hash; it carries scopes
 * that name what it may call:
 * - `send:{accountId}`: `POST /api/accounts/{accountId}/send`;
 * - `token:{accountId}`: `POST /api/accounts/{accountId}/token`;
 * - `read`: every `GET` under `/api` except `/api/keys`.
 * Keys never manage keys, credentials, accounts, handlers or alerts.
 * @module
 */
import { encodeHexLowerCase } from "@oslojs/encoding";
import * as z from "../zod.ts";
import { randomToken } from "../crypto/random.ts";
import { isId } from "../ids.ts";
import { fieldIssue, parseInput, ValidationError } from "../validation.ts";
import type { FieldIssue } from "../validation.ts";

/** Marks a bearer token as an API key (and makes leaked keys easy to find with secret scanners). */
const KEY_PREFIX = "epk_";
/** 256 bits. */
const KEY_BYTES = 32;
const KEY_NAME_MAX = 100;
const KEY_SCOPES_MAX = 50;
const SCOPE_MAX_LENGTH = 64;

export type ApiKeyScope = { kind: "read" } | { kind: "send" | "token"; accountId: string };

export interface ApiKeyView {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
}

/** A new key: its value (shown once) and the hash that is stored instead. */
export async function newApiKey(): Promise<{ key: string; hash: string }> {
  const key = `${KEY_PREFIX}${randomToken(KEY_BYTES)}`;
  return { key, hash: await hashApiKey(key) };
}

export async function hashApiKey(key: string): Promise<string> {
  return encodeHexLowerCase(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key))));
}

/** Whether a bearer token has the form of an API key (so it is looked up rather than refused at once). */
export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(KEY_PREFIX) && token.length <= KEY_PREFIX.length + 64;
}

const createSchema = z.strictObject({
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(KEY_NAME_MAX)),
  scopes: z
    .array(z.string().check(z.trim(), z.minLength(1), z.maxLength(SCOPE_MAX_LENGTH)))
    .check(z.minLength(1), z.maxLength(KEY_SCOPES_MAX)),
});

export type ApiKeyCreate = z.output<typeof createSchema>;

/** A scope as written, or null when it is none of the three forms. */
export function parseScope(scope: string): ApiKeyScope | null {
  if (scope === "read") {
    return { kind: "read" };
  }
  const match = /^(send|token):(.+)$/.exec(scope);
  const kind = match?.[1];
  const accountId = match?.[2] ?? "";
  return (kind === "send" || kind === "token") && isId("account", accountId) ? { kind, accountId } : null;
}

/**
 * Validates a new key's name and scopes; `accountExists` is asked about each account a scope names,
 * so a key is never issued for an account that is not there.
 */
export async function parseApiKeyCreate(
  input: unknown,
  accountExists: (accountId: string) => Promise<boolean>,
): Promise<ApiKeyCreate> {
  const fields = parseInput(createSchema, input);
  const scopes = [...new Set(fields.scopes)];
  const issues: FieldIssue[] = [];
  await Promise.all(
    scopes.map(async (scope) => {
      const path = `scopes.${fields.scopes.indexOf(scope)}`;
      const parsed = parseScope(scope);
      if (parsed === null) {
        issues.push(
          fieldIssue(path, `must be "read", "send:{accountId}" or "token:{accountId}", not ${JSON.stringify(scope)}`),
        );
      } else if (parsed.kind !== "read" && !(await accountExists(parsed.accountId))) {
        issues.push(fieldIssue(path, `names no account (${parsed.accountId})`));
      }
    }),
  );
  if (issues.length > 0) {
    throw new ValidationError(issues.sort((a, b) => a.path.localeCompare(b.path, "en", { numeric: true })));
  }
  return { name: fields.name, scopes };
}

const ACCOUNT_ACTION = /^(?:\/api)?\/accounts\/([^/]+)\/(send|token)\/?$/;
const KEYS_PATH = /^(?:\/api)?\/keys(?:\/|$)/;

/** Whether a key with these scopes may make this request (`path` as the API sees it, with or without `/api`). */
export function keyPermits(scopes: readonly string[], request: { method: string; path: string }): boolean {
  const method = request.method.toUpperCase();
  const action = method === "POST" ? ACCOUNT_ACTION.exec(request.path) : null;
  return scopes.some((written) => {
    const scope = parseScope(written);
    if (scope === null) {
      return false;
    }
    if (scope.kind === "read") {
      return (method === "GET" || method === "HEAD") && !KEYS_PATH.test(request.path);
    }
    return action !== null && action[2] === scope.kind && action[1] === scope.accountId;
  });
}
