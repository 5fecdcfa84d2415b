/**
 * `/credentials`: the list, the form for a new or changed credential, a credential's page with its
 * Redirect URI, Authorize and Delete.
 * @module
 */
import { Hono } from "hono";
import { CredentialFormPage, CredentialListPage, CredentialPage } from "../views/credential-views.tsx";
import { CREDENTIAL_FORM, newCredentialValues } from "./credential-form.ts";
import { apiBody, formValues, valuesOf } from "./form-spec.ts";
import { callApi, fetchApi } from "./internal-api.ts";
import { noticeOf } from "./notices.ts";
import { action, idParam, notFoundPage, page, problemNotice, render, seeOther, signInOrigins } from "./page-actions.ts";
import type { CredentialView } from "../../core/credentials/credential.ts";
import type { AppEnv } from "../http/context.ts";

export const credentialPages = new Hono<AppEnv>();

credentialPages.get(
  "/",
  page("credentials", async (c, frame) => {
    const list = await fetchApi<{ items: CredentialView[] }>(c, "/credentials");
    return render(200, CredentialListPage({ frame, credentials: list?.items ?? [], notice: noticeOf(c) }));
  }),
);

credentialPages.get(
  "/new",
  page("credentials", async (_c, frame) =>
    render(200, CredentialFormPage({ frame, values: newCredentialValues(), errors: [], existing: null, notice: null })),
  ),
);

credentialPages.post(
  "/",
  action("credentials", async (c, frame, form) => {
    const result = await callApi<CredentialView>(
      c,
      "POST",
      "/credentials",
      apiBody(CREDENTIAL_FORM, form, { editing: false }),
    );
    if (result.ok) {
      return seeOther(`/credentials/${result.data.id}?notice=credential-created`);
    }
    return render(
      result.status,
      CredentialFormPage({
        frame,
        values: formValues(CREDENTIAL_FORM, form),
        errors: result.problem.errors ?? [],
        existing: null,
        notice: problemNotice(result.problem),
      }),
    );
  }),
);

credentialPages.get(
  "/:id",
  page("credentials", async (c, frame) => {
    const credential = await fetchApi<CredentialView>(c, `/credentials/${idParam(c)}`);
    return credential === null
      ? notFoundPage(c, frame)
      : render(200, CredentialPage({ frame, credential, notice: noticeOf(c) }), {
          formActionOrigins: signInOrigins([credential]),
        });
  }),
);

credentialPages.get(
  "/:id/edit",
  page("credentials", async (c, frame) => {
    const credential = await fetchApi<CredentialView>(c, `/credentials/${idParam(c)}`);
    return credential === null
      ? notFoundPage(c, frame)
      : render(
          200,
          CredentialFormPage({
            frame,
            values: valuesOf(CREDENTIAL_FORM, credential),
            errors: [],
            existing: credential,
            notice: null,
          }),
        );
  }),
);

credentialPages.post(
  "/:id",
  action("credentials", async (c, frame, form) => {
    const path = `/credentials/${idParam(c)}`;
    const existing = await fetchApi<CredentialView>(c, path);
    if (existing === null) {
      return notFoundPage(c, frame);
    }
    const result = await callApi<CredentialView>(c, "PATCH", path, apiBody(CREDENTIAL_FORM, form, { editing: true }));
    if (result.ok) {
      return seeOther(`${path}?notice=credential-saved`);
    }
    return render(
      result.status,
      CredentialFormPage({
        frame,
        values: formValues(CREDENTIAL_FORM, form),
        errors: result.problem.errors ?? [],
        existing,
        notice: problemNotice(result.problem),
      }),
    );
  }),
);

credentialPages.post(
  "/:id/delete",
  action("credentials", async (c, frame) => {
    const path = `/credentials/${idParam(c)}`;
    const result = await callApi(c, "DELETE", path);
    if (result.ok) {
      return seeOther("/credentials?notice=credential-deleted");
    }
    const credential = await fetchApi<CredentialView>(c, path);
    return credential === null
      ? notFoundPage(c, frame)
      : render(result.status, CredentialPage({ frame, credential, notice: problemNotice(result.problem) }), {
          formActionOrigins: signInOrigins([credential]),
        });
  }),
);

credentialPages.post(
  "/:id/authorize",
  action("credentials", async (c, frame, form) => {
    const path = `/credentials/${idParam(c)}`;
    const hint = form.get("loginHint");
    const result = await callApi<{ authorizeUrl: string }>(
      c,
      "POST",
      `${path}/authorize`,
      typeof hint === "string" && hint.trim() !== "" ? { loginHint: hint.trim() } : undefined,
    );
    if (result.ok) {
      return seeOther(result.data.authorizeUrl);
    }
    const credential = await fetchApi<CredentialView>(c, path);
    return credential === null
      ? notFoundPage(c, frame)
      : render(result.status, CredentialPage({ frame, credential, notice: problemNotice(result.problem) }), {
          formActionOrigins: signInOrigins([credential]),
        });
  }),
);
