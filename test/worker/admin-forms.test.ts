import { describe, expect, it } from "vitest";
import { CREDENTIAL_FORM, newCredentialValues } from "../../src/worker/admin/credential-form.ts";
import { apiBody, formValues, removeFieldName, valuesOf } from "../../src/worker/admin/form-spec.ts";
import { HANDLER_FORM, newHandlerValues } from "../../src/worker/admin/handler-form.ts";
import { HANDLER_CONFIG_KEYS } from "../../src/core/handlers/handler.ts";

const HANDLER_POST = new URLSearchParams({
  name: "Support",
  accountId: "acct_x",
  mailbox: "",
  folder: "Inbox/Support",
  onlyUnread: "on",
  afterProcessing: "markRead",
  moveToFolder: "Archive",
  webhookUrl: "https://example.test/hook",
  webhookToken: "",
  pollIntervalMinutes: "5",
  maxAttachmentBytes: "12abc",
  enabled: "on",
});
HANDLER_POST.append("skipRules", "auto_reply");
HANDLER_POST.append("skipRules", "bulk");

describe("forms derived from their descriptors", () => {
  it("describe every handler setting", () => {
    expect(Object.keys(HANDLER_FORM).filter((name) => name !== "webhookToken")).toEqual(HANDLER_CONFIG_KEYS);
  });

  it("turn a handler form into the API body: booleans, numbers as numbers, defaults left to the API", () => {
    expect(apiBody(HANDLER_FORM, HANDLER_POST, { editing: false })).toEqual({
      name: "Support",
      accountId: "acct_x",
      folder: "Inbox/Support",
      onlyUnread: true,
      afterProcessing: "markRead",
      webhookUrl: "https://example.test/hook",
      pollIntervalMinutes: 5,
      includeAttachments: false,
      maxAttachmentBytes: "12abc",
      skipAutoReplies: false,
      skipRules: ["auto_reply", "bulk"],
      enabled: true,
    });
  });

  it("send the move target only with move, and keep, replace or remove a stored secret on an edit", () => {
    const move = new URLSearchParams(HANDLER_POST);
    move.set("afterProcessing", "move");
    expect(apiBody(HANDLER_FORM, move, { editing: true })["moveToFolder"]).toBe("Archive");
    expect(apiBody(HANDLER_FORM, HANDLER_POST, { editing: true })).not.toHaveProperty("webhookToken");
    const removing = new URLSearchParams(HANDLER_POST);
    removing.set(removeFieldName("webhookToken"), "on");
    expect(apiBody(HANDLER_FORM, removing, { editing: true })["webhookToken"]).toBeNull();
    removing.set("webhookToken", "new-secret");
    expect(apiBody(HANDLER_FORM, removing, { editing: true })["webhookToken"]).toBe("new-secret");
  });

  it("send an empty required secret on a create so the API names it, and keep it on an edit", () => {
    const form = new URLSearchParams({
      name: "App",
      clientId: "6731de76-14a6-49ae-97bc-6eba6914391e",
      clientSecret: "",
      scopes: "",
    });
    expect(apiBody(CREDENTIAL_FORM, form, { editing: false })["clientSecret"]).toBe("");
    expect(apiBody(CREDENTIAL_FORM, form, { editing: true })).not.toHaveProperty("clientSecret");
    expect(apiBody(CREDENTIAL_FORM, form, { editing: false })).not.toHaveProperty("scopes");
  });

  it("fill new forms with the schema's defaults and edit forms from the view, never with a secret", () => {
    expect(newHandlerValues("acct_y")).toMatchObject({
      accountId: "acct_y",
      mailbox: "me",
      folder: "inbox",
      onlyUnread: true,
      afterProcessing: "markRead",
      moveToFolder: "",
      pollIntervalMinutes: "1",
      maxAttachmentBytes: String(10 * 1024 * 1024),
      webhookToken: "",
      skipRules: "own_mail auto_submitted auto_reply delivery_report bulk",
      afterProcessingSkipped: "none",
    });
    expect(newCredentialValues()).toMatchObject({ provider: "microsoft", grantType: "authorization_code" });
    expect(String(newCredentialValues()["scopes"])).toContain("offline_access");
    expect(valuesOf(CREDENTIAL_FORM, { clientSecret: "s3cret", scopes: ["a", "b"] })).toMatchObject({
      clientSecret: "",
      scopes: "a b",
    });
    expect(formValues(HANDLER_FORM, HANDLER_POST)["includeAttachments"]).toBe(false);
  });
});
