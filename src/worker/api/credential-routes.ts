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
import { CredentialStore } from "../stores/credential-store.ts";
import { deleteCredentialUnlessUsed } from "../stores/credential-deletions.ts";
import { answerAuthorizeUrl } from "./authorize-url.ts";
import type { Context } from "hono";
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
  const merged = parseCredentialPatch(await jsonBody(c), currentFields, credentialPolicy(settings));
  const record: CredentialRecord = {
    ...merged,
    id: current.id,
    clientSecret:
      merged.clientSecret === undefined
        ? sealedSecret
        : await sealSecret(settings.keyRing, merged.clientSecret, clientSecretContext(current.id)),
    createdAt: current.createdAt,
    updatedAt: nowIso(),
  };
  await new CredentialStore(c.env.CONFIG).put(record);
  return c.json(toCredentialView(record, redirectUriFor(c)));
});

credentialRoutes.delete("/:id", async (c) => {
  const record = await requireCredential(c);
  const deletion = await deleteCredentialUnlessUsed(c.env, record.id);
  if (!deletion.deleted) {
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
