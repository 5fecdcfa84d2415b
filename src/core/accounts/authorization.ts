/**
 * Starting a delegated sign-in: the state, PKCE verifier and nonce of one authorization request, and
 * the URL that sends the user to Microsoft. The pending record is what the callback needs to finish.
 * @module
 */
import { encodeHexLowerCase } from "@oslojs/encoding";
import { createCodeVerifier, s256Challenge } from "../crypto/pkce.ts";
import { randomToken } from "../crypto/random.ts";
import { hasScope } from "../credentials/scopes.ts";
import { buildAuthorizeUrl } from "../microsoft/identity-client.ts";
import type { Prompt } from "../microsoft/identity-client.ts";
import type { Clock } from "../ports.ts";

/** A state is good for this long, and once. */
const AUTHORIZATION_TTL_MS = 10 * 60 * 1000;
/** 256 bits; the contract asks for at least 128. */
const STATE_BYTES = 32;
const NONCE_BYTES = 16;

export interface PendingAuthorization {
  credentialId: string;
  codeVerifier: string;
  nonce: string | null;
  redirectUri: string;
  scopes: string[];
  /** Set by `POST /api/accounts/{id}/reauthorize`: the account this sign-in should restore. */
  reauthorizeAccountId: string | null;
  /** Epoch ms. */
  expiresAt: number;
}

export interface StartedAuthorization {
  state: string;
  authorizeUrl: string;
  pending: PendingAuthorization;
}

export async function startAuthorization(
  credential: { id: string; clientId: string; authEndpoint: string; scopes: string[] },
  options: {
    redirectUri: string;
    prompt: Prompt | null;
    loginHint: string | null;
    reauthorizeAccountId: string | null;
    clock: Clock;
  },
): Promise<StartedAuthorization> {
  const state = randomToken(STATE_BYTES);
  const codeVerifier = createCodeVerifier();
  const nonce = hasScope(credential.scopes, "openid") ? randomToken(NONCE_BYTES) : null;
  const authorizeUrl = buildAuthorizeUrl(credential, {
    redirectUri: options.redirectUri,
    scopes: credential.scopes,
    state,
    codeChallenge: await s256Challenge(codeVerifier),
    nonce,
    prompt: options.prompt,
    loginHint: options.loginHint,
  });
  return {
    state,
    authorizeUrl,
    pending: {
      credentialId: credential.id,
      codeVerifier,
      nonce,
      redirectUri: options.redirectUri,
      scopes: credential.scopes,
      reauthorizeAccountId: options.reauthorizeAccountId,
      expiresAt: options.clock.now() + AUTHORIZATION_TTL_MS,
    },
  };
}

/** Where pending authorizations are looked up: a hash, so stored rows cannot be replayed as states. */
export async function stateKey(state: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(state));
  return encodeHexLowerCase(new Uint8Array(digest));
}
