/**
 * `npm run demo`: edgepost with a simulated Microsoft 365 tenant and a simulated Jira, to try the whole
 * flow without an Azure app. Starts the simulator and `wrangler dev`, seeds a tenant with two users, a
 * shared mailbox and sample mail, creates a credential, and prints where to go. Handlers of Adele's own
 * mailbox get push: the simulator notifies the local Worker of new mail about half a second after it
 * arrives, as Graph would. Ctrl-C stops everything.
 * @module
 */
import { join } from "node:path";
import { SimulatorClient } from "../support/simulator-client.ts";
import { startLocalStack, STATE_ROOT } from "./local-stack.ts";
import type { MessageInput } from "../simulator/mailbox.ts";

const WORKER_PORT = Number(process.env["EDGEPOST_DEMO_PORT"] ?? 8787);
const SIMULATOR_PORT = Number(process.env["EDGEPOST_SIMULATOR_PORT"] ?? 8788);
/** Graph notifies within a minute on average; the demo is quicker so that push shows at once. */
const DEMO_NOTIFICATION_DELAY_MS = 500;

const stack = await startLocalStack({
  workerPort: WORKER_PORT,
  simulatorPort: SIMULATOR_PORT,
  stateDir: join(STATE_ROOT, "demo"),
  cron: "every-minute",
});
const sim = new SimulatorClient(stack.simulator.url);
const tenant = await sim.createTenant({
  domain: "contoso.example",
  users: [
    { displayName: "Adele Vance", userPrincipalName: "adele@contoso.example" },
    { displayName: "Alex Wilber", userPrincipalName: "alex@contoso.example" },
  ],
  apps: [{ displayName: "edgepost demo", redirectUris: [`${stack.workerUrl}/oauth/callback`] }],
  settings: { signIn: "page", notificationDelayMs: DEMO_NOTIFICATION_DELAY_MS },
});
const adele = tenant.users[0];
const app = tenant.apps[0];
if (adele === undefined || app === undefined) {
  throw new Error("the simulator did not create the demo tenant");
}
await sim.createSharedMailbox({
  tenantId: tenant.tenantId,
  address: "support@contoso.example",
  displayName: "Contoso Support",
  access: [{ userId: adele.id, access: "full" }],
  sendAs: [adele.id],
});
await sim.addFolder("support@contoso.example", "Escalations", { parent: "inbox" });
const sample: MessageInput[] = [
  {
    subject: "Printer on floor 3 is jammed",
    from: { name: "Megan Bowen", address: "megan@customer.example" },
    body: { contentType: "html", content: "<p>Hi, the printer on floor 3 jams on every page.</p><p>Megan</p>" },
  },
  {
    subject: "Re: [OPS-12] VPN drops every hour",
    from: { name: "Lee Gu", address: "lee@customer.example" },
    headers: [{ name: "In-Reply-To", value: "<ops-12@contoso.example>" }],
  },
  {
    subject: "Invoice attached",
    from: { name: "Billing", address: "billing@vendor.example" },
    attachments: [{ name: "invoice.txt", contentType: "text/plain", contentBase64: btoa("Invoice 2026-11: 42 EUR") }],
  },
  {
    subject: "Automatic reply: out of office",
    from: { name: "Nestor Wilke", address: "nestor@customer.example" },
    headers: [{ name: "Auto-Submitted", value: "auto-replied" }],
  },
  { subject: "Old thread", isRead: true },
];
await sim.addMessages(adele.mail ?? "", sample);
await sim.addMessages("support@contoso.example", [
  { subject: "Cannot log in to the portal", from: { name: "Patti Fernandez", address: "patti@customer.example" } },
  { subject: "[OPS-7] Still broken", from: { name: "Lynne Robbins", address: "lynne@customer.example" } },
]);
await sim.addMessages(
  "support@contoso.example",
  [{ subject: "Escalated: data center power", from: { name: "Facilities", address: "facilities@contoso.example" } }],
  { folder: "Inbox/Escalations" },
);
const hook = await sim.createHook();

const created = await fetch(`${stack.workerUrl}/api/credentials`, {
  method: "POST",
  headers: { authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json" },
  body: JSON.stringify({
    name: "Contoso (simulated)",
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    authEndpoint: tenant.endpoints.authorize,
    tokenEndpoint: tenant.endpoints.token,
  }),
});
if (!created.ok) {
  throw new Error(`could not create the demo credential: ${created.status} ${await created.text()}`);
}
const credential = (await created.json()) as { id: string };

console.log(`
edgepost demo is running.

  Open        ${stack.workerUrl}
  Admin token ${stack.adminToken}

1. Sign in with the admin token. The credential "Contoso (simulated)" is ready:
   ${stack.workerUrl}/credentials/${credential.id}
2. Press Authorize and pick Adele Vance on the simulated Microsoft sign-in page.
3. Create a handler (Handlers → New handler) for Adele's inbox, or for "support@contoso.example"
   and folder "Inbox/Escalations", with
     webhook URL    ${hook.url}
     webhook secret ${hook.token ?? ""}
   then press Run now (the cron runs it every minute too, as on Cloudflare).
   A handler of Adele's own inbox shows "Change notifications: active" within seconds. Send her new
   mail and it reaches Jira without Run now:
     curl -X POST ${stack.simulator.url}/_sim/mailboxes/${encodeURIComponent(adele.mail ?? "")}/messages \\
       -H 'content-type: application/json' -d '{"messages":[{"subject":"[OPS-42] Pushed"}]}'
   (The shared mailbox's handler polls: Microsoft offers no delegated notifications there.)
4. See what Jira received: ${stack.simulator.url}/jira
5. To see a revoked consent: curl -X POST ${stack.simulator.url}/_sim/tenants/${tenant.tenantId}/users/${adele.id}/revoke \\
     -H 'content-type: application/json' -d '{"clientId":"${app.clientId}"}'
   then press Test connection on the Accounts page, and Reconnect.

Ctrl-C stops everything.`);

const shutdown = async (): Promise<void> => {
  await stack.stop();
  process.exit(0);
};
process.once("SIGINT", () => void shutdown());
process.once("SIGTERM", () => void shutdown());
