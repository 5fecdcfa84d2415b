import { beforeEach, describe, expect, it } from "vitest";
import { GraphClient, GraphError } from "../../src/core/microsoft/graph-client.ts";
import {
  createSubscription,
  deleteSubscription,
  reauthorizeSubscription,
  renewSubscription,
  SUBSCRIPTION_GRAPH_HEADERS,
} from "../../src/core/push/subscription.ts";
import { TestClock } from "../support/clock.ts";
import { inProcessSession, SIM_ORIGIN } from "../support/in-process-simulator.ts";
import type { SubscriptionRequest } from "../../src/core/push/subscription.ts";
import type { InProcessSession } from "../support/in-process-simulator.ts";

const MINUTE = 60_000;
const APP = "https://app.test";

/** A stand-in for the app's endpoints: answers as edgepost does unless told otherwise, and records every call. */
class FakeApp {
  readonly calls: { url: URL; contentType: string | null; body: string }[] = [];
  answer: (request: Request, url: URL) => Promise<Response> = async (_request, url) => {
    const token = url.searchParams.get("validationToken");
    return token === null
      ? new Response(null, { status: 202 })
      : new Response(token, { headers: { "content-type": "text/plain; charset=utf-8" } });
  };

  readonly fetch = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    this.calls.push({ url, contentType: request.headers.get("content-type"), body: await request.text() });
    return this.answer(request, url);
  };

  /** The notification bodies received, in order. */
  notifications(path = "/graph/notifications"): { value: Record<string, unknown>[] }[] {
    return this.calls
      .filter((call) => call.url.pathname === path && !call.url.searchParams.has("validationToken"))
      .map((call) => JSON.parse(call.body) as { value: Record<string, unknown>[] });
  }
}

let app: FakeApp;
let session: InProcessSession;
let graph: GraphClient;
let address: string;
let inboxId: string;

function request(overrides: Partial<SubscriptionRequest> = {}): SubscriptionRequest {
  return {
    folderId: inboxId,
    notificationUrl: `${APP}/graph/notifications`,
    lifecycleNotificationUrl: `${APP}/graph/lifecycle`,
    clientState: "secret-client-state",
    expiresAt: Date.now() + 10_000 * MINUTE,
    ...overrides,
  };
}

/** A raw Graph call, for the answers edgepost's client turns into errors. */
async function raw(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const token = await session.signIn();
  const response = await session.graph(path, { token, method, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  return { status: response.status, json: text === "" ? null : JSON.parse(text) };
}

async function refusal(promise: Promise<unknown>): Promise<GraphError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GraphError) {
      return error;
    }
    throw error;
  }
  throw new Error("expected Graph to refuse");
}

beforeEach(async () => {
  app = new FakeApp();
  session = await inProcessSession({}, { fetch: app.fetch });
  const token = await session.signIn();
  const clock = new TestClock();
  graph = new GraphClient({
    http: (outgoing) => session.sim.handle(outgoing),
    clock,
    sleep: async (ms) => clock.advance(ms),
    baseUrl: `${SIM_ORIGIN}/v1.0`,
    accessToken: async () => token,
    headers: SUBSCRIPTION_GRAPH_HEADERS,
  });
  address = session.tenant.users[0]?.mail ?? "";
  inboxId = ((await (await session.graph("/me/mailFolders/inbox", { token })).json()) as { id: string }).id;
});

describe("simulated Graph subscriptions", () => {
  it("validates both URLs with a decoded token as text/plain before it answers 201", async () => {
    const created = await createSubscription(graph, request());
    const validations = app.calls.filter((call) => call.url.searchParams.has("validationToken"));
    expect(validations.map((call) => call.url.pathname)).toEqual(["/graph/notifications", "/graph/lifecycle"]);
    expect(validations[0]?.contentType).toBe("text/plain; charset=utf-8");
    expect(validations[0]?.url.searchParams.get("validationToken")).toMatch(/^Validation: .+ Request-Id: /);
    const listed = (await raw("GET", "/subscriptions")).json as { value: Record<string, unknown>[] };
    expect(listed.value).toHaveLength(1);
    expect(listed.value[0]).toMatchObject({
      id: created.id,
      changeType: "created",
      clientState: "secret-client-state",
      latestSupportedTlsVersion: "v1_2",
      resource: `me/mailFolders/${encodeURIComponent(inboxId)}/messages`,
    });
    expect(String(listed.value[0]?.["expirationDateTime"])).toMatch(/\.\d{7}Z$/);
  });

  it("refuses the subscription when validation fails, with Graph's error", async () => {
    app.answer = async () => new Response("nope", { status: 500 });
    const status = await refusal(createSubscription(graph, request()));
    expect([status.status, status.code]).toEqual([400, "ValidationError"]);
    expect(status.message).toContain("must respond with 200 OK");
    app.answer = async () => new Response("wrong token", { headers: { "content-type": "text/plain" } });
    const body = await refusal(createSubscription(graph, request()));
    expect(body.message).toContain("must exactly match validationToken");
    app.answer = async (_request, url) =>
      new Response(encodeURIComponent(url.searchParams.get("validationToken") ?? ""), {
        headers: { "content-type": "text/plain" },
      });
    expect((await refusal(createSubscription(graph, request()))).code).toBe("ValidationError");
    app.answer = async () => {
      throw new TypeError("connection refused");
    };
    const unreachable = await refusal(createSubscription(graph, request()));
    expect([unreachable.code, unreachable.message]).toEqual([
      "InvalidRequest",
      "The underlying connection was closed: An unexpected error occurred on a send.",
    ]);
    expect(((await raw("GET", "/subscriptions")).json as { value: unknown[] }).value).toEqual([]);
  });

  it("carries its calls through a relay when the tenant asks, with the same deadline of 10 s", async () => {
    await session.control.updateSettings(session.tenant.tenantId, { notificationDelivery: "relay" });
    const relayed: string[] = [];
    const relay = (async () => {
      for (let answered = 0; answered < 2; ) {
        const call = await session.control.takeRelayCall(session.tenant.tenantId, 1000);
        if (call !== null) {
          relayed.push(new URL(call.url).pathname);
          const token = new URL(call.url).searchParams.get("validationToken") ?? "";
          await session.control.answerRelayCall(session.tenant.tenantId, call.id, {
            status: 200,
            contentType: "text/plain",
            body: token,
          });
          answered++;
        }
      }
    })();
    const created = await createSubscription(graph, request());
    await relay;
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(relayed).toEqual(["/graph/notifications", "/graph/lifecycle"]);
    expect(app.calls).toEqual([]);
    // Nobody carries the next validation: Graph gives up after 10 s.
    const started = Date.now();
    const timedOut = await refusal(createSubscription(graph, request({ folderId: "drafts" })));
    expect([timedOut.code, timedOut.message]).toEqual(["InvalidRequest", "Subscription validation request timed out."]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(10_000);
  });

  it("allows at most 10,080 minutes, raises less than 45 minutes to 45, and renews within the same limit", async () => {
    const tooLong = await refusal(createSubscription(graph, request({ expiresAt: Date.now() + 10_081 * MINUTE })));
    expect([tooLong.status, tooLong.code, tooLong.message]).toEqual([
      400,
      "ExtensionError",
      "Subscription expiration can only be 10080 minutes in the future.",
    ]);
    const short = await createSubscription(graph, request({ expiresAt: Date.now() + 5 * MINUTE }));
    expect(short.expiresAt - Date.now()).toBeGreaterThan(44 * MINUTE);
    expect(short.expiresAt - Date.now()).toBeLessThanOrEqual(45 * MINUTE);
    const renewed = await renewSubscription(graph, short.id, Date.now() + 10_000 * MINUTE);
    expect(renewed.expiresAt - Date.now()).toBeGreaterThan(9_999 * MINUTE);
    expect((await refusal(renewSubscription(graph, short.id, Date.now() + 10_081 * MINUTE))).code).toBe(
      "ExtensionError",
    );
    const empty = await raw("PATCH", `/subscriptions/${short.id}`, {});
    expect(empty.status).toBe(400);
    expect(JSON.stringify(empty.json)).toContain("either the 'expirationDateTime' or 'notificationUrl'");
  });

  it("accepts only https notification URLs, and http on a loopback host (the one test-only deviation)", async () => {
    const http = await refusal(createSubscription(graph, request({ notificationUrl: "http://app.test/graph/n" })));
    expect([http.status, http.code, http.message]).toEqual([
      400,
      "InvalidRequest",
      "NotificationUrl scheme='http' is not supported.",
    ]);
    const loopback = await createSubscription(
      graph,
      request({ notificationUrl: "http://127.0.0.1:8787/graph/notifications" }),
    );
    expect(loopback.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("refuses a delegated subscription to another mailbox, shared ones included", async () => {
    await session.control.createSharedMailbox({
      tenantId: session.tenant.tenantId,
      address: "support@contoso.test",
      access: [{ userId: session.tenant.users[0]?.id ?? "", access: "full" }],
    });
    const answer = await raw("POST", "/subscriptions", {
      changeType: "created",
      notificationUrl: `${APP}/graph/notifications`,
      resource: "users/support@contoso.test/mailFolders('inbox')/messages",
      expirationDateTime: new Date(Date.now() + 60 * MINUTE).toISOString(),
      clientState: "c",
    });
    expect(answer.status).toBe(403);
    expect(answer.json).toMatchObject({
      error: {
        code: "ExtensionError",
        message: "Operation: Create; Exception: [Status Code: Forbidden; Reason: Forbidden]",
      },
    });
  });

  it("refuses a second subscription for the same resource and change type with 409 naming the first", async () => {
    const first = await createSubscription(graph, request());
    const conflict = await refusal(createSubscription(graph, request({ clientState: "another" })));
    expect([conflict.status, conflict.message]).toEqual([
      409,
      `Subscription Id ${first.id} already exists for the requested combination`,
    ]);
  });

  it("refuses a mailbox's 1,001st subscription", async () => {
    const existing = await createSubscription(graph, request());
    const template = session.sim.state.subscriptions.get(existing.id);
    for (let index = 1; index < 1000 && template !== undefined; index++) {
      session.sim.state.subscriptions.set(`filler-${index}`, {
        ...template,
        id: `filler-${index}`,
        folderId: `f${index}`,
      });
    }
    const answer = await raw("POST", "/subscriptions", {
      changeType: "created",
      notificationUrl: `${APP}/graph/notifications`,
      resource: "me/messages",
      expirationDateTime: new Date(Date.now() + 60 * MINUTE).toISOString(),
      clientState: "c",
    });
    expect(answer.status).toBe(403);
  });

  it("deletes (204, then 404), reauthorizes (204), and answers 404 for an unknown id", async () => {
    const created = await createSubscription(graph, request());
    await reauthorizeSubscription(graph, created.id);
    expect((await raw("DELETE", `/subscriptions/${created.id}`)).status).toBe(204);
    const gone = await raw("DELETE", `/subscriptions/${created.id}`);
    expect(gone).toMatchObject({ status: 404, json: { error: { code: "ResourceNotFound" } } });
    await deleteSubscription(graph, created.id);
    expect((await refusal(reauthorizeSubscription(graph, created.id))).status).toBe(404);
  });

  it("forgets a subscription once it expires", async () => {
    const created = await createSubscription(graph, request({ expiresAt: Date.now() + 60 * MINUTE }));
    await session.control.advanceClock(session.tenant.tenantId, 61 * 60);
    expect((await raw("GET", `/subscriptions/${created.id}`)).status).toBe(404);
  });
});

describe("simulated change notifications", () => {
  it("notifies new messages in the subscribed folder only, with immutable ids, batching those that arrive together", async () => {
    const created = await createSubscription(graph, request());
    await session.control.addFolder(address, "Elsewhere");
    const seeded = await session.control.addMessages(address, [{ subject: "a" }, { subject: "b" }]);
    await session.control.addMessages(address, [{ subject: "elsewhere" }], { folder: "Elsewhere" });
    await session.sim.idle();
    const bodies = app.notifications();
    expect(bodies).toHaveLength(1);
    expect(bodies[0]?.value.map((item) => (item["resourceData"] as { id: string }).id)).toEqual(
      seeded.map((message) => message.id),
    );
    expect(bodies[0]?.value[0]).toMatchObject({
      subscriptionId: created.id,
      changeType: "created",
      clientState: "secret-client-state",
      tenantId: session.tenant.tenantId,
      resourceData: { "@odata.type": "#Microsoft.Graph.Message" },
    });
    expect(String(bodies[0]?.value[0]?.["resource"])).toMatch(/^Users\/[^/]+\/Messages\//);
  });

  it("delays, loses and duplicates notifications as the tenant is set", async () => {
    await createSubscription(graph, request());
    await session.control.updateSettings(session.tenant.tenantId, { notificationDelayMs: 30 });
    const before = Date.now();
    await session.control.addMessages(address, [{ subject: "late" }]);
    await session.sim.idle();
    const late = app.calls.at(-1);
    expect(late?.url.pathname).toBe("/graph/notifications");
    const calls = await session.control.callsOut(session.tenant.tenantId);
    expect(Date.parse(calls.at(-1)?.at ?? "") - before).toBeGreaterThanOrEqual(30);

    await session.control.updateSettings(session.tenant.tenantId, { notificationDelayMs: 0, notificationLossRate: 1 });
    const sent = app.notifications().length;
    await session.control.addMessages(address, [{ subject: "lost" }]);
    await session.sim.idle();
    expect(app.notifications()).toHaveLength(sent);
    expect((await session.control.counters(session.tenant.tenantId))["notifications.lost"]).toBe(1);

    await session.control.updateSettings(session.tenant.tenantId, {
      notificationLossRate: 0,
      notificationDuplicateRate: 1,
    });
    await session.control.addMessages(address, [{ subject: "twice" }]);
    await session.sim.idle();
    expect(app.notifications().at(-1)?.value).toHaveLength(2);
  });

  it("retries a notification the app did not accept", async () => {
    await createSubscription(graph, request());
    let refused = 0;
    app.answer = async (_request, url) => {
      if (url.searchParams.has("validationToken")) {
        return new Response(url.searchParams.get("validationToken"), { headers: { "content-type": "text/plain" } });
      }
      refused++;
      return new Response(null, { status: refused === 1 ? 503 : 202 });
    };
    await session.control.addMessages(address, [{ subject: "retried" }]);
    await session.sim.idle();
    expect(app.notifications()).toHaveLength(2);
    const calls = await session.control.callsOut(session.tenant.tenantId);
    expect(calls.filter((call) => call.kind === "notification").map((call) => call.outcome)).toEqual([503, 202]);
  });

  it("sends lifecycle events: reauthorizationRequired withholds notifications until reauthorized", async () => {
    const created = await createSubscription(graph, request());
    await session.control.lifecycle(created.id, "reauthorizationRequired");
    await session.sim.idle();
    const events = app.notifications("/graph/lifecycle");
    expect(events[0]?.value[0]).toMatchObject({
      subscriptionId: created.id,
      clientState: "secret-client-state",
      lifecycleEvent: "reauthorizationRequired",
    });
    await session.control.addMessages(address, [{ subject: "withheld" }]);
    await session.sim.idle();
    expect(app.notifications()).toEqual([]);
    await reauthorizeSubscription(graph, created.id);
    await session.control.addMessages(address, [{ subject: "flows again" }]);
    await session.sim.idle();
    expect(app.notifications()).toHaveLength(1);
  });

  it("sends subscriptionRemoved (and removes it) and missed", async () => {
    const created = await createSubscription(graph, request());
    await session.control.lifecycle(created.id, "missed");
    await session.control.lifecycle(created.id, "subscriptionRemoved");
    await session.sim.idle();
    expect(app.notifications("/graph/lifecycle").map((body) => body.value[0]?.["lifecycleEvent"])).toEqual([
      "missed",
      "subscriptionRemoved",
    ]);
    expect((await raw("GET", `/subscriptions/${created.id}`)).status).toBe(404);
  });
});
