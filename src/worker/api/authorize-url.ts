/**
 * Starting a sign-in, shared by `POST /api/credentials/{id}/authorize` and
 * `POST /api/accounts/{id}/reauthorize`: validate the optional body, create and store the pending
 * authorization, answer the URL to send the user to.
 * @module
 */
import { startAuthorization } from "../../core/accounts/authorization.ts";
import { hasScope } from "../../core/credentials/scopes.ts";
import { cloudMismatch } from "../../core/microsoft/clouds.ts";
import { SYSTEM_CLOCK } from "../../core/ports.ts";
import { parseInput } from "../../core/validation.ts";
import * as z from "../../core/zod.ts";
import { problem, ProblemError } from "../http/problem.ts";
import { jsonBody, trustedRedirectUri } from "../http/request.ts";
import { savePendingAuthorization } from "../stores/pending-authorizations.ts";
import type { Context } from "hono";
import type { CredentialRecord } from "../../core/credentials/credential.ts";
import type { AppEnv } from "../http/context.ts";

const authorizeBody = z.optional(
  z.strictObject({
    loginHint: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(320))),
    prompt: z.optional(z.enum(["select_account", "consent", "login"])),
  }),
);

export async function answerAuthorizeUrl(
  c: Context<AppEnv>,
  credential: CredentialRecord,
  options: { loginHint: string | null; reauthorizeAccountId: string | null },
): Promise<Response> {
  const body = parseInput(authorizeBody, await jsonBody(c)) ?? {};
  if (!hasScope(credential.scopes, "openid")) {
    throw new ProblemError(
      problem(
        "conflict",
        `Credential ${credential.id} does not request the openid scope, which edgepost needs to tell which mailbox signed in; add it to the credential's scopes`,
      ),
    );
  }
  const mismatch = cloudMismatch(credential.authEndpoint, c.get("settings").graphBaseUrl);
  if (mismatch !== null) {
    throw new ProblemError(problem("conflict", `Credential ${credential.id}'s authEndpoint ${mismatch}`));
  }
  const started = await startAuthorization(credential, {
    redirectUri: trustedRedirectUri(c),
    prompt: body.prompt ?? null,
    loginHint: body.loginHint ?? options.loginHint,
    reauthorizeAccountId: options.reauthorizeAccountId,
    clock: SYSTEM_CLOCK,
  });
  await savePendingAuthorization(c.env, c.get("settings").keyRing, started.state, started.pending);
  return c.json(
    { authorizeUrl: started.authorizeUrl, expiresAt: new Date(started.pending.expiresAt).toISOString() },
    201,
  );
}
