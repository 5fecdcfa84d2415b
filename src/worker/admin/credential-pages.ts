/**
 * `/credentials`: the list, the form for a new or changed credential (with the Redirect URI before
 * saving and the tenant shortcut for the endpoints), a credential's page with Authorize, and Delete
 * behind a confirmation page.
 * @module
 */
import { Hono } from "hono";
import { v2EndpointsOf } from "../../core/microsoft/endpoints.ts";
import { redirectUriFor } from "../http/request.ts";
import {
  CredentialDeletePage,
  CredentialFormPage,
  CredentialListPage,
  CredentialPage,
} from "../views/credential-views.tsx";
import { CREDENTIAL_FORM, newCredentialValues } from "./credential-form.ts";
import { apiBody, formValues, labelledIssues, valuesOf } from "./form-spec.ts";
import { callApi, fetchApi, saveRecord } from "./internal-api.ts";
import { keepSecrets, withKeptSecrets } from "./kept-secrets.ts";
import { noticeOf, resultUrl } from "./notices.ts";
import {
  action,
  formProblemNotice,
  idParam,
  notFoundPage,
  page,
  render,
  seeOther,
  signInOrigins,
} from "./page-actions.ts";
import type { Context } from "hono";
import type { AccountView } from "../../core/accounts/account.ts";
import type { CredentialView } from "../../core/credentials/credential.ts";
import type { FieldIssue } from "../../core/validation.ts";
import type { AppEnv } from "../http/context.ts";
import type { AdminFrame, Notice } from "../views/components.tsx";
import type { FormValues } from "./form-spec.ts";

export const credentialPages = new Hono<AppEnv>();

const TENANT_PROBLEM =
  "Directory (tenant) ID must be a GUID such as 00000000-0000-0000-0000-000000000000, or a domain such as contoso.onmicrosoft.com";

async function accountsOf(c: Context<AppEnv>, credentialId?: string): Promise<AccountView[]> {
  const accounts = (await fetchApi<{ items: AccountView[] }>(c, "/accounts"))?.items ?? [];
  return credentialId === undefined ? accounts : accounts.filter((account) => account.credentialId === credentialId);
}

/** The form as the administrator left it: values, field errors, kept secrets, the tenant shortcut. */
interface FormState {
  values: FormValues;
  errors: readonly FieldIssue[];
  kept: Readonly<Record<string, string>>;
  tenant: string;
  host: string;
  notice: Notice | null;
}

function formPage(
  c: Context<AppEnv>,
  frame: AdminFrame,
  existing: CredentialView | null,
  state: FormState,
  status = 200,
): Response {
  const hosts = c.get("settings").endpointPolicy.allowedHosts;
  return render(
    status,
    CredentialFormPage({
      frame,
      values: state.values,
      errors: state.errors,
      existing,
      redirectUri: redirectUriFor(c),
      shortcut: { tenant: state.tenant, host: hosts.includes(state.host) ? state.host : (hosts[0] ?? ""), hosts },
      kept: state.kept,
      notice: state.notice,
    }),
  );
}

/**
 * A posted credential form: "Fill in the endpoints" comes back with both URLs filled in from the
 * tenant; anything else is saved through the API, and a refusal comes back with the typed values.
 */
async function submitForm(
  c: Context<AppEnv>,
  frame: AdminFrame,
  posted: URLSearchParams,
  existing: CredentialView | null,
): Promise<Response> {
  const form = await withKeptSecrets(c, frame, CREDENTIAL_FORM, posted);
  const kept = await keepSecrets(c, frame, CREDENTIAL_FORM, form);
  const tenant = form.get("tenant") ?? "";
  const host = form.get("tenantHost") ?? "";
  if (form.get("_action") === "fill-endpoints") {
    const endpoints = v2EndpointsOf(tenant, host);
    const values = formValues(CREDENTIAL_FORM, form);
    return endpoints === null
      ? formPage(
          c,
          frame,
          existing,
          {
            values,
            errors: [{ path: "tenant", message: TENANT_PROBLEM }],
            kept,
            tenant,
            host,
            notice: null,
          },
          400,
        )
      : formPage(c, frame, existing, {
          values: { ...values, authEndpoint: endpoints.authorize, tokenEndpoint: endpoints.token },
          errors: [],
          kept,
          tenant,
          host,
          notice: { kind: "ok", text: "Both endpoint URLs are filled in; check them, then save." },
        });
  }
  const editing = existing !== null;
  const result = await saveRecord<CredentialView>(
    c,
    "/credentials",
    existing,
    apiBody(CREDENTIAL_FORM, form, { editing }),
  );
  if (result.ok) {
    return seeOther(resultUrl(`/credentials/${result.data.id}`, editing ? "credential-saved" : "credential-created"));
  }
  return formPage(
    c,
    frame,
    existing,
    {
      values: formValues(CREDENTIAL_FORM, form),
      errors: labelledIssues(CREDENTIAL_FORM, result.problem.errors ?? []),
      kept,
      tenant,
      host,
      notice: formProblemNotice(result.problem),
    },
    result.status,
  );
}

credentialPages.get(
  "/",
  page("credentials", async (c, frame) => {
    const [list, accounts] = await Promise.all([
      fetchApi<{ items: CredentialView[] }>(c, "/credentials"),
      accountsOf(c),
    ]);
    return render(200, CredentialListPage({ frame, credentials: list?.items ?? [], accounts, notice: noticeOf(c) }));
  }),
);

credentialPages.get(
  "/new",
  page("credentials", async (c, frame) =>
    formPage(c, frame, null, {
      values: newCredentialValues(),
      errors: [],
      kept: {},
      tenant: "",
      host: "",
      notice: null,
    }),
  ),
);

credentialPages.post(
  "/",
  action("credentials", async (c, frame, form) => submitForm(c, frame, form, null)),
);

credentialPages.get(
  "/:id",
  page("credentials", async (c, frame) => {
    const credential = await fetchApi<CredentialView>(c, `/credentials/${idParam(c)}`);
    if (credential === null) {
      return notFoundPage(c, frame);
    }
    const accounts = await accountsOf(c, credential.id);
    return render(200, CredentialPage({ frame, credential, accounts, notice: noticeOf(c) }), {
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
      : formPage(c, frame, credential, {
          values: valuesOf(CREDENTIAL_FORM, credential),
          errors: [],
          kept: {},
          tenant: "",
          host: "",
          notice: null,
        });
  }),
);

credentialPages.post(
  "/:id",
  action("credentials", async (c, frame, form) => {
    const existing = await fetchApi<CredentialView>(c, `/credentials/${idParam(c)}`);
    return existing === null ? notFoundPage(c, frame) : submitForm(c, frame, form, existing);
  }),
);

credentialPages.get(
  "/:id/delete",
  page("credentials", async (c, frame) => {
    const credential = await fetchApi<CredentialView>(c, `/credentials/${idParam(c)}`);
    if (credential === null) {
      return notFoundPage(c, frame);
    }
    const accounts = await accountsOf(c, credential.id);
    return render(200, CredentialDeletePage({ frame, credential, accounts }));
  }),
);

credentialPages.post(
  "/:id/delete",
  action("credentials", async (c) => {
    const path = `/credentials/${idParam(c)}`;
    const result = await callApi(c, "DELETE", path);
    if (result.ok) {
      return seeOther(resultUrl("/credentials", "credential-deleted"));
    }
    return seeOther(result.status === 409 ? resultUrl(path, "credential-in-use") : path);
  }),
);

credentialPages.post(
  "/:id/authorize",
  action("credentials", async (c, _frame, form) => {
    const path = `/credentials/${idParam(c)}`;
    const hint = form.get("loginHint");
    const result = await callApi<{ authorizeUrl: string }>(
      c,
      "POST",
      `${path}/authorize`,
      typeof hint === "string" && hint.trim() !== "" ? { loginHint: hint.trim() } : undefined,
    );
    return seeOther(result.ok ? result.data.authorizeUrl : resultUrl(path, "authorize-failed"));
  }),
);
