/**
 * Finishing a delegated sign-in after Microsoft redirected back with a code: redeem it, identify the
 * user from the id_token and Graph `/me`, and make sure a refresh token came with it. Each step throws
 * its own error type so the callback page can say which step failed and why.
 * @module
 */
import { GraphClient } from "../microsoft/graph-client.ts";
import { getMe } from "../microsoft/graph-user.ts";
import { verifyIdToken } from "../microsoft/id-token.ts";
import { redeemAuthorizationCode } from "../microsoft/identity-client.ts";
import type { IdentityClientConfig, TokenSet } from "../microsoft/identity-client.ts";
import type { Clock, HttpClient } from "../ports.ts";
import type { PendingAuthorization } from "./authorization.ts";

export interface CompletedSignIn {
  tenantId: string;
  userId: string;
  username: string;
  displayName: string | null;
  email: string | null;
  tokens: TokenSet & { refreshToken: string };
}

/** Microsoft answered, but not with what a connected mailbox needs. */
export class SignInError extends Error {
  override readonly name = "SignInError";
}

export async function completeSignIn(
  input: { config: IdentityClientConfig; pending: PendingAuthorization; code: string },
  deps: { http: HttpClient; clock: Clock; sleep: (ms: number) => Promise<void>; graphBaseUrl: string },
): Promise<CompletedSignIn> {
  const { config, pending } = input;
  const tokens = await redeemAuthorizationCode(
    config,
    { code: input.code, redirectUri: pending.redirectUri, codeVerifier: pending.codeVerifier, scopes: pending.scopes },
    deps,
  );
  if (tokens.idToken === null) {
    throw new SignInError("Microsoft returned no id_token; add openid to the credential's scopes");
  }
  const identity = verifyIdToken(tokens.idToken, {
    clientId: config.clientId,
    authEndpoint: config.authEndpoint,
    nonce: pending.nonce,
    now: deps.clock.now(),
  });
  if (tokens.refreshToken === null) {
    throw new SignInError(
      "Microsoft returned no refresh token; the credential's scopes must include offline_access and the user must consent to it",
    );
  }
  const graph = new GraphClient({
    http: deps.http,
    clock: deps.clock,
    sleep: deps.sleep,
    baseUrl: deps.graphBaseUrl,
    accessToken: async () => tokens.accessToken,
  });
  const me = await getMe(graph);
  return {
    tenantId: identity.tenantId,
    userId: identity.userId,
    username: identity.username || (me.userPrincipalName ?? ""),
    displayName: me.displayName ?? identity.name,
    email: me.mail,
    tokens: { ...tokens, refreshToken: tokens.refreshToken },
  };
}
