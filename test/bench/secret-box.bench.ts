import { it } from "vitest";
import { parseKeyRing } from "../../src/core/crypto/key-ring.ts";
import { openSecret, sealSecret } from "../../src/core/crypto/secret-box.ts";
import { report } from "./report.ts";

const ROUNDS = 5_000;

it("seals and opens secrets", async () => {
  const ring = await parseKeyRing("k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
  const context = { record: "account:acct_x", field: "refreshToken" };
  const plaintext = "0.A".padEnd(1200, "x");
  const sealed: string[] = [];
  const sealStart = performance.now();
  for (let i = 0; i < ROUNDS; i++) {
    sealed.push(await sealSecret(ring, plaintext, context));
  }
  const sealMs = performance.now() - sealStart;
  const openStart = performance.now();
  for (const value of sealed) {
    await openSecret(ring, value, context);
  }
  const openMs = performance.now() - openStart;
  report(`AES-256-GCM secret box, ${ROUNDS} rounds of a 1.2 KB refresh token (workerd)`, {
    "seal per second": Math.round((ROUNDS / sealMs) * 1000),
    "open per second": Math.round((ROUNDS / openMs) * 1000),
    "sealed size (bytes)": sealed[0]?.length ?? 0,
  });
});
