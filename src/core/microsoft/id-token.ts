/**
 * Identifying the signed-in user from the id_token of a code redemption. The token arrives straight
 * from the token endpoint over TLS, which OIDC Core §3.1.3.7 accepts in place of a signature check;
 * the claims are parsed with a schema and checked as https://learn.microsoft.com/entra/identity-platform/id-tokens
 * advises (docs/microsoft.md, "id_token claims"). `oid`, `name` and `preferred_username` come only
 * with the `profile` scope (docs/microsoft.md, "Profile claims need profile"), so they may be missing:
 * the caller then reads them from Graph `/me`.
 * @module
 */
import { decodeBase64urlIgnorePadding } from "@oslojs/encoding";
import * as z from "../zod.ts";
import { isTenantGuid } from "./endpoints.ts";

export interface IdTokenIdentity {
  tenantId: string;
  /** The `oid` claim: the user's immutable object id; null without the `profile` scope. */
  userId: string | null;
  /** `preferred_username`, the sign-in name (UPN); null without the `profile` scope. */
  username: string | null;
  name: string | null;
}

export class IdTokenError extends Error {
  override readonly name = "IdTokenError";
}

/** Clock skew tolerated on `exp`. */
const EXPIRY_LEEWAY_MS = 5 * 60 * 1000;

/** A claim Microsoft may leave out (or, leniently, send empty): absent either way. */
const optionalText = z.pipe(
  z.nullish(z.string()),
  z.transform((value) => (value === "" || value === undefined ? null : value)),
);

/** The claims edgepost reads; others pass unchecked. */
const claimsSchema = z.object({
  aud: z.string({ error: "has no audience (aud)" }),
  iss: z.string({ error: "has no issuer (iss)" }),
  tid: z.string({ error: "has no tenant id (tid)" }).check(z.minLength(1, "has no tenant id (tid)")),
  exp: z.number({ error: "has no expiry (exp)" }),
  oid: optionalText,
  preferred_username: optionalText,
  name: optionalText,
  nonce: optionalText,
});

export function verifyIdToken(
  idToken: string,
  expected: { clientId: string; authEndpoint: string; nonce: string | null; now: number },
): IdTokenIdentity {
  const parsed = claimsSchema.safeParse(decodeClaims(idToken));
  if (!parsed.success) {
    throw new IdTokenError(`the id_token ${parsed.error.issues[0]?.message ?? "has malformed claims"}`);
  }
  const claims = parsed.data;
  // Client ids are GUIDs, which Microsoft may write in either case.
  if (claims.aud.toLowerCase() !== expected.clientId.toLowerCase()) {
    throw new IdTokenError("the id_token was issued for another application (aud)");
  }
  if (claims.exp * 1000 + EXPIRY_LEEWAY_MS < expected.now) {
    throw new IdTokenError("the id_token has expired (exp)");
  }
  const authority = new URL(expected.authEndpoint);
  const expectedIssuer = `${authority.origin}/${claims.tid}/v2.0`;
  if (claims.iss !== expectedIssuer) {
    throw new IdTokenError(`the id_token's issuer is not ${expectedIssuer} (iss)`);
  }
  const tenantSegment = authority.pathname.split("/")[1] ?? "";
  if (isTenantGuid(tenantSegment) && tenantSegment.toLowerCase() !== claims.tid.toLowerCase()) {
    throw new IdTokenError("the user signed in to another tenant than the endpoints name (tid)");
  }
  if (expected.nonce !== null && claims.nonce !== expected.nonce) {
    throw new IdTokenError("the id_token's nonce does not match this sign-in (nonce)");
  }
  return { tenantId: claims.tid, userId: claims.oid, username: claims.preferred_username, name: claims.name };
}

function decodeClaims(idToken: string): unknown {
  const payload = idToken.split(".")[1];
  if (payload === undefined) {
    throw new IdTokenError("the id_token is not a JWT");
  }
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder().decode(decodeBase64urlIgnorePadding(payload)));
  } catch (error) {
    throw new IdTokenError("the id_token's payload is not JSON", { cause: error });
  }
  if (typeof claims !== "object" || claims === null || Array.isArray(claims)) {
    throw new IdTokenError("the id_token's payload is not an object");
  }
  return claims;
}
