import { describe, expect, it } from "vitest";
import { classifyIdentityError, identityErrorFromResponse } from "../../src/core/microsoft/identity-errors.ts";

describe("classifyIdentityError", () => {
  it("sorts Microsoft's errors by what must happen next", () => {
    expect(classifyIdentityError("invalid_grant", 400)).toBe("reauth");
    expect(classifyIdentityError("interaction_required", 400)).toBe("reauth");
    expect(classifyIdentityError("consent_required", 400)).toBe("reauth");
    expect(classifyIdentityError("invalid_client", 401)).toBe("credential");
    expect(classifyIdentityError("unauthorized_client", 400)).toBe("credential");
    expect(classifyIdentityError("temporarily_unavailable", 503)).toBe("transient");
    expect(classifyIdentityError("invalid_grant", 500)).toBe("transient");
    expect(classifyIdentityError("", 429)).toBe("transient");
    expect(classifyIdentityError("invalid_request", 400)).toBe("rejected");
  });
});

describe("identityErrorFromResponse", () => {
  it("keeps the AADSTS code and the first line of the description", () => {
    const error = identityErrorFromResponse(
      400,
      {
        error: "invalid_grant",
        error_description:
          "AADSTS700082: The refresh token has expired due to inactivity.\r\nTrace ID: x\r\nCorrelation ID: y",
        error_codes: [700082],
        suberror: "bad_token",
      },
      null,
    );
    expect(error).toMatchObject({
      kind: "reauth",
      error: "invalid_grant",
      aadsts: 700082,
      code: "AADSTS700082",
      status: 400,
    });
    expect(error.description).toBe("The refresh token has expired due to inactivity.");
  });

  it("takes the last of several codes and survives bodies that are not Microsoft's", () => {
    expect(identityErrorFromResponse(400, { error: "invalid_grant", error_codes: [70002, 54005] }, null).aadsts).toBe(
      54005,
    );
    const odd = identityErrorFromResponse(502, "<html>Bad gateway</html>", 2.5);
    expect(odd).toMatchObject({
      kind: "transient",
      error: "http_502",
      aadsts: null,
      code: "http_502",
      retryAfterSeconds: 2.5,
    });
  });
});
