/**
 * `/alerts`: the Alerts settings page (the webhook, its token, the events), what needs a person now and
 * the latest alerts; saving and the test alert answer with a redirect to the page showing the result.
 * @module
 */
import { Hono } from "hono";
import { AlertsPage } from "../views/alert-views.tsx";
import { ALERT_FORM } from "./alert-form.ts";
import { attentionLines, heldConditions } from "./attention.ts";
import { apiBody, formValues, valuesOf } from "./form-spec.ts";
import { callApi, fetchApi } from "./internal-api.ts";
import { noticeOf, resultUrl } from "./notices.ts";
import { action, formProblemNotice, page, render, seeOther } from "./page-actions.ts";
import type { Context } from "hono";
import type { AlertSettingsView } from "../../core/alerts/alert-settings.ts";
import type { FieldIssue } from "../../core/validation.ts";
import type { AppEnv } from "../http/context.ts";
import type { AlertDelivery } from "../objects/alerts-tables.ts";
import type { AdminFrame, Notice } from "../views/components.tsx";
import type { FormValues } from "./form-spec.ts";

export const alertPages = new Hono<AppEnv>();

/** Alerts the page lists. */
const DELIVERIES_SHOWN = 20;

async function alertsPage(
  c: Context<AppEnv>,
  frame: AdminFrame,
  form: { values: FormValues | null; errors: readonly FieldIssue[]; notice: Notice | null },
  status = 200,
): Promise<Response> {
  const [settings, held, deliveries] = await Promise.all([
    fetchApi<AlertSettingsView>(c, "/alerts"),
    heldConditions(c),
    fetchApi<{ items: AlertDelivery[] }>(c, `/alerts/deliveries?limit=${DELIVERIES_SHOWN}`),
  ]);
  return render(
    status,
    AlertsPage({
      frame,
      values: form.values ?? valuesOf(ALERT_FORM, settings ?? {}),
      tokenSet: settings?.webhookTokenSet ?? false,
      errors: form.errors,
      held,
      lines: attentionLines(held),
      deliveries: deliveries?.items ?? [],
      notice: form.notice,
    }),
  );
}

alertPages.get(
  "/",
  page("alerts", async (c, frame) => alertsPage(c, frame, { values: null, errors: [], notice: noticeOf(c) })),
);

alertPages.post(
  "/",
  action("alerts", async (c, frame, form) => {
    const body = apiBody(ALERT_FORM, form, { editing: true });
    // An empty URL turns alerts off.
    body["webhookUrl"] =
      typeof body["webhookUrl"] === "string" && body["webhookUrl"] !== "" ? body["webhookUrl"] : null;
    const result = await callApi<AlertSettingsView>(c, "PUT", "/alerts", body);
    if (result.ok) {
      return seeOther(resultUrl("/alerts", "alerts-saved"));
    }
    return alertsPage(
      c,
      frame,
      {
        values: formValues(ALERT_FORM, form),
        errors: result.problem.errors ?? [],
        notice: formProblemNotice(result.problem),
      },
      result.status,
    );
  }),
);

alertPages.post(
  "/test",
  action("alerts", async (c) => {
    const result = await callApi<AlertDelivery>(c, "POST", "/alerts/test");
    const code = !result.ok
      ? "alert-test-no-webhook"
      : result.data.state === "delivered"
        ? "alert-test-delivered"
        : "alert-test-failed";
    return seeOther(resultUrl("/alerts", code));
  }),
);
