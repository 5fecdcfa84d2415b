/**
 * Identifying the signed-in user from the id_token of a code redemption. The token arrives straight
 * from the token endpoint over TLS, which OIDC Core §3.1.3.7 accepts in place of a signature check;
 * the claims are still checked as https://learn.microsoft.com/entra/identity-platform/id-tokens advises.
 * @module
 */
import { decodeBase64urlIgnorePadding } from "@oslojs/encoding";
import { isTenantGuid } from "./endpoints.ts";

export interface IdTokenIdentity {
  tenantId: string;
  /** The `oid` claim: the user's immutable object id. */
  userId: string;
  /** `preferred_username`, the sign-in name (UPN); empty when absent. */
  username: string;
  name: string | null;
}

export class IdTokenError extends Error {
  override readonly name = "IdTokenError";
}

/** Clock skew tolerated on `exp`. */
const EXPIRY_LEEWAY_MS = 5 * 60 * 1000;

export function verifyIdToken(
  idToken: string,
  expected: { clientId: string; authEndpoint: string; nonce: string | null; now: number },
): IdTokenIdentity {
  const claims = decodeClaims(idToken);
  const tenantId = stringClaim(claims, "tid");
  const userId = stringClaim(claims, "oid");
  if (tenantId === null || userId === null) {
    throw new IdTokenError("the id_token has no tid or oid claim (is the profile scope granted?)");
  }
  if (claims["aud"] !== expected.clientId) {
    throw new IdTokenError("the id_token was issued for another application (aud)");
  }
  const exp = claims["exp"];
  if (typeof exp !== "number" || exp * 1000 + EXPIRY_LEEWAY_MS < expected.now) {
    throw new IdTokenError("the id_token has expired (exp)");
  }
  const authority = new URL(expected.authEndpoint);
  const expectedIssuer = `${authority.origin}/${tenantId}/v2.0`;
  if (claims["iss"] !== expectedIssuer) {
    throw new IdTokenError(`the id_token's issuer is not ${expectedIssuer} (iss)`);
  }
  const tenantSegment = authority.pathname.split("/")[1] ?? "";
  if (isTenantGuid(tenantSegment) && tenantSegment.toLowerCase() !== tenantId.toLowerCase()) {
    throw new IdTokenError("the user signed in to another tenant than the endpoints name (tid)");
  }
  if (expected.nonce !== null && claims["nonce"] !== expected.nonce) {
    throw new IdTokenError("the id_token's nonce does not match this sign-in (nonce)");
  }
  return {
    tenantId,
    userId,
    username: stringClaim(claims, "preferred_username") ?? "",
    name: stringClaim(claims, "name"),
  };
}

function decodeClaims(idToken: string): Record<string, unknown> {
  const payload = idToken.split(".")[1];
  if (payload === undefined) {
    throw new IdTokenError("the id_token is not a JWT");
  }
  try {
    const claims: unknown = JSON.parse(new TextDecoder().decode(decodeBase64urlIgnorePadding(payload)));
    if (typeof claims !== "object" || claims === null) {
      throw new IdTokenError("the id_token's payload is not an object");
    }
    return claims as Record<string, unknown>;
  } catch (error) {
    throw error instanceof IdTokenError
      ? error
      : new IdTokenError("the id_token's payload is not JSON", { cause: error });
  }
}

function stringClaim(claims: Record<string, unknown>, name: string): string | null {
  const value = claims[name];
  return typeof value === "string" && value !== "" ? value : null;
}
