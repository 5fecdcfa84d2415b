/**
 * Form posts of the admin pages turned into the API's JSON, and API views back into form values.
 * Only what the user filled in is sent, so the API's defaults and messages apply unchanged.
 * @module
 */
import { configOf } from "../../core/handlers/handler.ts";
import type { CredentialView } from "../../core/credentials/credential.ts";
import type { HandlerView } from "../../core/handlers/handler.ts";
import type { CredentialFormValues } from "../views/credential-views.tsx";
import type { HandlerFormValues } from "../views/handler-views.tsx";

function text(form: URLSearchParams, name: string): string {
  const value = form.get(name);
  return typeof value === "string" ? value : "";
}

export function credentialFormValues(form: URLSearchParams): CredentialFormValues {
  return {
    name: text(form, "name"),
    provider: text(form, "provider"),
    grantType: text(form, "grantType"),
    clientId: text(form, "clientId"),
    authEndpoint: text(form, "authEndpoint"),
    tokenEndpoint: text(form, "tokenEndpoint"),
    scopes: text(form, "scopes"),
  };
}

/** The API body for a credential form: an empty secret on an edit keeps the stored one, empty scopes the default. */
export function credentialBody(form: URLSearchParams, options: { editing: boolean }): Record<string, unknown> {
  const { scopes, ...fields } = credentialFormValues(form);
  const body: Record<string, unknown> = scopes.trim() === "" ? fields : { ...fields, scopes };
  const secret = text(form, "clientSecret");
  if (secret !== "" || !options.editing) {
    body["clientSecret"] = secret;
  }
  return body;
}

export function credentialValuesOf(view: CredentialView): CredentialFormValues {
  return {
    name: view.name,
    provider: view.provider,
    grantType: view.grantType,
    clientId: view.clientId,
    authEndpoint: view.authEndpoint,
    tokenEndpoint: view.tokenEndpoint,
    scopes: view.scopes.join(" "),
  };
}

export function handlerFormValues(form: URLSearchParams): HandlerFormValues {
  return {
    name: text(form, "name"),
    accountId: text(form, "accountId"),
    mailbox: text(form, "mailbox"),
    folder: text(form, "folder"),
    onlyUnread: form.has("onlyUnread"),
    afterProcessing: text(form, "afterProcessing"),
    moveToFolder: text(form, "moveToFolder"),
    webhookUrl: text(form, "webhookUrl"),
    pollIntervalMinutes: text(form, "pollIntervalMinutes"),
    includeAttachments: form.has("includeAttachments"),
    maxAttachmentBytes: text(form, "maxAttachmentBytes"),
    skipAutoReplies: form.has("skipAutoReplies"),
    enabled: form.has("enabled"),
    push: text(form, "push"),
  };
}

/**
 * The API body for a handler form. Numbers the browser sent as text become numbers when they are
 * numbers (otherwise the text goes through, for the API to name); an empty secret keeps the stored one.
 */
export function handlerBody(form: URLSearchParams, options: { editing: boolean }): Record<string, unknown> {
  const values = handlerFormValues(form);
  const number = (value: string): number | string => (/^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value);
  const body: Record<string, unknown> = {
    name: values.name,
    accountId: values.accountId,
    ...(values.mailbox === "" ? {} : { mailbox: values.mailbox }),
    ...(values.folder === "" ? {} : { folder: values.folder }),
    onlyUnread: values.onlyUnread,
    afterProcessing: values.afterProcessing,
    webhookUrl: values.webhookUrl,
    pollIntervalMinutes: number(values.pollIntervalMinutes),
    includeAttachments: values.includeAttachments,
    maxAttachmentBytes: number(values.maxAttachmentBytes),
    skipAutoReplies: values.skipAutoReplies,
    enabled: values.enabled,
    ...(values.push === "" ? {} : { push: values.push }),
  };
  if (values.afterProcessing === "move") {
    body["moveToFolder"] = values.moveToFolder;
  }
  const token = text(form, "webhookToken");
  if (token !== "") {
    body["webhookToken"] = token;
  } else if (options.editing && form.has("removeWebhookToken")) {
    body["webhookToken"] = null;
  }
  return body;
}

export function handlerValuesOf(view: HandlerView): HandlerFormValues {
  const config = configOf(view);
  return {
    ...config,
    moveToFolder: config.moveToFolder ?? "",
    pollIntervalMinutes: String(config.pollIntervalMinutes),
    maxAttachmentBytes: String(config.maxAttachmentBytes),
  };
}
