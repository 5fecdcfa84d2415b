/**
 * What a finished sign-in showed, kept briefly for the result page: the callback answers 303 to
 * `/oauth/result/{id}` so that neither the authorization code nor the state stays in the browser's
 * history, a Referer or request traces. The id is 256 random bits; the outcome can be viewed once,
 * within 10 minutes, and lives in the directory shard of its id (strongly consistent, unlike KV).
 * @module
 */
import { randomToken } from "../../core/crypto/random.ts";
import { directoryShardOf } from "./directory-shards.ts";
import type { Env } from "../env.ts";

const RESULT_ID_BYTES = 32;
const RESULT_ID = /^[\w-]{43}$/;

export interface ConnectedOutcome {
  kind: "connected";
  accountId: string;
  mailbox: string;
  username: string;
  credentialName: string;
  note: string | null;
}

export interface FailureOutcome {
  kind: "failure";
  title: string;
  message: string;
  code: string | null;
  description: string | null;
  advice: string | null;
}

export interface SignInOutcome {
  /** The result page's status: 200, 400 or 502 (`docs/api.md`, "The redirect URI"). */
  status: number;
  page: ConnectedOutcome | FailureOutcome;
}

/** Keeps the outcome and answers the id of its result page. */
export async function keepSignInResult(env: Env, outcome: SignInOutcome): Promise<string> {
  const id = randomToken(RESULT_ID_BYTES);
  await directoryShardOf(env, id).putSignInResult(id, JSON.stringify(outcome));
  return id;
}

/** The outcome for a result page, once; null when the id is malformed, unknown, used or expired. */
export async function takeSignInResult(env: Env, id: string): Promise<SignInOutcome | null> {
  if (!RESULT_ID.test(id)) {
    return null;
  }
  const stored = await directoryShardOf(env, id).takeSignInResult(id);
  return stored === null ? null : (JSON.parse(stored) as SignInOutcome);
}
