/**
 * `/api/credentials`: the Azure app registrations an administrator enters.
 * @module
 */
import { Hono } from "hono";
import {
  clientSecretContext,
  parseCredentialCreate,
  parseCredentialPatch,
  toCredentialView,
} from "../../core/credentials/credential.ts";
import { isId, newId } from "../../core/ids.ts";
import { pageOf, parsePageQuery } from "../../core/pagination.ts";
import { sealSecret } from "../../core/crypto/secret-box.ts";
import { notFound } from "../http/error-handler.ts";
import { problem, ProblemError } from "../http/problem.ts";
import { jsonBody, nowIso, redirectUriFor } from "../http/request.ts";
import { secretExpiryCondition, secretRejectedCondition } from "../../core/alerts/alert-rules.ts";
import { forgetInAlerts, reportToAlerts } from "../stores/alerts.ts";
import { CredentialStore } from "../stores/credential-store.ts";
import { deleteCredentialUnlessUsed } from "../stores/credential-deletions.ts";
import { answerAuthorizeUrl } from "./authorize-url.ts";
import type { Context } from "hono";
import type { ConditionReport } from "../../core/alerts/alert-rules.ts";
import type { CredentialPolicy, CredentialRecord } from "../../core/credentials/credential.ts";
import type { AppEnv } from "../http/context.ts";
import type { Settings } from "../settings.ts";

export const credentialRoutes = new Hono<AppEnv>();

credentialRoutes.post("/", async (c) => {
  const settings = c.get("settings");
  const fields = parseCredentialCreate(await jsonBody(c), credentialPolicy(settings));
  const id = newId("credential");
  const now = nowIso();
  const record: CredentialRecord = {
    id,
    ...fields,
    clientSecret: await sealSecret(settings.keyRing, fields.clientSecret, clientSecretContext(id)),
    createdAt: now,
    updatedAt: now,
  };
  await new CredentialStore(c.env.CONFIG).put(record);
  await reportSecretState(c, record, { newSecret: false });
  c.header("location", `/api/credentials/${id}`);
  return c.json(toCredentialView(record, redirectUriFor(c)), 201);
});

credentialRoutes.get("/", async (c) => {
  const request = parsePageQuery(c.req.query());
  const page = pageOf(await new CredentialStore(c.env.CONFIG).list(), request, {
    position: (record) => ({ sortKey: record.createdAt, id: record.id }),
    sourceFull: false,
  });
  const redirectUri = redirectUriFor(c);
  return c.json({ ...page, items: page.items.map((record) => toCredentialView(record, redirectUri)) });
});

credentialRoutes.get("/:id", async (c) => {
  const record = await requireCredential(c);
  return c.json(toCredentialView(record, redirectUriFor(c)));
});

credentialRoutes.patch("/:id", async (c) => {
  const settings = c.get("settings");
  const current = await requireCredential(c);
  const { clientSecret: sealedSecret, ...currentFields } = current;
  const input = await jsonBody(c);
  const merged = parseCredentialPatch(input, currentFields, credentialPolicy(settings));
  const newSecret = merged.clientSecret !== undefined;
  // An expiry date belongs to one secret: a new secret without its own date has no known expiry.
  const namesExpiry = typeof input === "object" && input !== null && "clientSecretExpiresAt" in input;
  const record: CredentialRecord = {
    ...merged,
    clientSecretExpiresAt: newSecret && !namesExpiry ? null : merged.clientSecretExpiresAt,
    id: current.id,
    clientSecret:
      merged.clientSecret === undefined
        ? sealedSecret
        : await sealSecret(settings.keyRing, merged.clientSecret, clientSecretContext(current.id)),
    createdAt: current.createdAt,
    updatedAt: nowIso(),
  };
  await new CredentialStore(c.env.CONFIG).put(record);
  await reportSecretState(c, record, { newSecret });
  return c.json(toCredentialView(record, redirectUriFor(c)));
});

credentialRoutes.delete("/:id", async (c) => {
  const record = await requireCredential(c);
  const deletion = await deleteCredentialUnlessUsed(c.env, record.id);
  if (deletion.deleted) {
    await forgetInAlerts(c.env, "credential", record.id);
  } else {
    const { accounts } = deletion;
    throw new ProblemError(
      problem(
        "conflict",
        `Credential ${record.id} is used by ${accounts} account${accounts === 1 ? "" : "s"}; delete ${accounts === 1 ? "it" : "them"} first`,
      ),
    );
  }
  return c.body(null, 204);
});

credentialRoutes.post("/:id/authorize", async (c) => {
  const credential = await requireCredential(c);
  return answerAuthorizeUrl(c, credential, { loginHint: null, reauthorizeAccountId: null });
});

/**
 * Tells the alerts object what the saved credential's secret looks like now: a new secret ends a refusal
 * and any expiry warning of the old one (a new one is raised if the new secret's own date is close).
 */
async function reportSecretState(
  c: Context<AppEnv>,
  record: CredentialRecord,
  options: { newSecret: boolean },
): Promise<void> {
  const subject = { type: "credential" as const, id: record.id, name: record.name };
  const now = Date.now();
  const reports: ConditionReport[] = options.newSecret
    ? [
        secretRejectedCondition(record, null),
        secretExpiryCondition({ ...record, clientSecretExpiresAt: null }, now),
        secretExpiryCondition(record, now),
      ]
    : [secretExpiryCondition(record, now)];
  await reportToAlerts(c.env, subject, reports);
}

function credentialPolicy(settings: Settings): CredentialPolicy {
  return { ...settings.endpointPolicy, graphBaseUrl: settings.graphBaseUrl };
}

async function requireCredential(c: Context<AppEnv>): Promise<CredentialRecord> {
  const id = c.req.param("id") ?? "";
  const record = isId("credential", id) ? await new CredentialStore(c.env.CONFIG).get(id) : null;
  if (record === null) {
    throw notFound("credential", id);
  }
  return record;
}
