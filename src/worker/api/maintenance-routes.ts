/**
 * `/api/maintenance`: operations an administrator runs by hand, such as finishing a key rotation.
 * @module
 */
import { Hono } from "hono";
import { clientSecretContext } from "../../core/credentials/credential.ts";
import { openSecret, sealedKeyId, sealSecret } from "../../core/crypto/secret-box.ts";
import { alertsObject } from "../stores/alerts.ts";
import { CredentialStore } from "../stores/credential-store.ts";
import { listAccounts, listHandlers } from "../stores/directory-shards.ts";
import type { AppEnv } from "../http/context.ts";

export const maintenanceRoutes = new Hono<AppEnv>();

/**
 * Re-encrypts every stored secret that is not under the first key of `ENCRYPTION_KEYS`, so that the
 * older keys can then be removed. Safe to repeat.
 */
maintenanceRoutes.post("/reencrypt", async (c) => {
  const { keyRing } = c.get("settings");
  const store = new CredentialStore(c.env.CONFIG);
  let resealed = 0;
  let current = 0;
  for (const record of await store.list()) {
    if (sealedKeyId(record.clientSecret) === keyRing.primaryId) {
      current++;
      continue;
    }
    const context = clientSecretContext(record.id);
    const plaintext = await openSecret(keyRing, record.clientSecret, context);
    await store.put({ ...record, clientSecret: await sealSecret(keyRing, plaintext, context) });
    resealed++;
  }
  const accounts = await Promise.all(
    (await listAccounts(c.env)).map((account) => c.env.ACCOUNTS.getByName(account.id).reencrypt()),
  );
  const accountsResealed = accounts.filter(Boolean).length;
  const handlers = await Promise.all(
    (await listHandlers(c.env)).map((handler) => c.env.HANDLERS.getByName(handler.id).reencrypt()),
  );
  const handlersResealed = handlers.filter(Boolean).length;
  const alertsResealed = await alertsObject(c.env).reencrypt();
  return c.json({
    primaryKeyId: keyRing.primaryId,
    credentials: { resealed, current },
    accounts: { resealed: accountsResealed, current: accounts.length - accountsResealed },
    handlers: { resealed: handlersResealed, current: handlers.length - handlersResealed },
    alertWebhookToken: { resealed: alertsResealed },
  });
});
