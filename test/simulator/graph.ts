/**
 * Microsoft Graph under `/v1.0`: bearer validation as Graph does it, per-mailbox concurrency,
 * injected throttling and faults with fractional `Retry-After`, JSON batching, `/me`, the mail
 * resources of `mail-routes.ts` and the subscriptions of `subscriptions.ts`.
 * @module
 */
import { findUser } from "./identity.ts";
import { enterMailbox, leaveMailbox, mailRoute, resolveMailbox } from "./mail-routes.ts";
import { graphError, graphJson } from "./responses.ts";
import { count, SimulatedNetworkError, sleep, takeFault, tenantNow } from "./state.ts";
import { subscriptionRoute } from "./subscriptions.ts";
import type { Notifier } from "./notifier.ts";
import type { SimAccessToken, SimState, SimTenant, SimUser } from "./state.ts";

export interface GraphContext {
  state: SimState;
  request: Request;
  url: URL;
  /** Path below `/v1.0`, e.g. `/me`. */
  path: string;
  token: SimAccessToken;
  user: SimUser;
  tenant: SimTenant;
  /** Makes Graph's calls to apps: validations and notifications. */
  notifier: Notifier;
}

export interface GraphOptions {
  random: () => number;
  notifier: Notifier;
  /** Set for the requests inside a `$batch`, which are counted apart from the HTTP requests. */
  batched?: boolean;
}

const WWW_AUTHENTICATE =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';
const BATCH_LIMIT = 20;
/** Graph hands at most four requests of a batch to Outlook at a time. */
const BATCH_CONCURRENCY = 4;

export async function handleGraph(
  state: SimState,
  request: Request,
  path: string,
  options: GraphOptions,
): Promise<Response> {
  const authorization = request.headers.get("authorization") ?? "";
  const bearer = /^bearer\s+(\S+)$/i.exec(authorization)?.[1];
  if (bearer === undefined) {
    return unauthorized(request, "Access token is empty.");
  }
  const token = state.accessTokens.get(bearer);
  const user = token === undefined ? undefined : findUser(state, token.userId);
  const tenant = token === undefined ? undefined : state.tenants.get(token.tenantId);
  if (token === undefined || user === undefined || tenant === undefined) {
    return unauthorized(request, "CompactToken parsing failed with error code: 80049217");
  }
  count(tenant, `${options.batched === true ? "graph-batched" : "graph"}.${request.method} ${routeName(path)}`);
  if (token.expiresAt <= tenantNow(tenant)) {
    return unauthorized(request, "Lifetime validation failed, the token is expired.");
  }
  const context: GraphContext = {
    state,
    request,
    url: new URL(request.url),
    path,
    token,
    user,
    tenant,
    notifier: options.notifier,
  };
  const segments =
    path
      .split("?")[0]
      ?.split("/")
      .filter((segment) => segment !== "")
      .map(decodeURIComponent) ?? [];
  const target = segments[0] === "$batch" ? null : resolveMailbox(context, segments);
  if (target instanceof Response) {
    return target;
  }
  if (target !== null && !enterMailbox(target.mailbox)) {
    count(tenant, "graph.throttled.concurrency");
    return graphError(request, 429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.", {
      headers: { "retry-after": "1" },
    });
  }
  try {
    await sleep(tenant.settings.graphLatencyMs);
    const fault = takeFault(tenant.settings.graphFaults, { random: options.random, method: request.method, path });
    if (fault?.kind === "network") {
      throw new SimulatedNetworkError("graph connection dropped");
    }
    if (fault?.kind === "response") {
      return new Response(fault.body, { status: fault.status, headers: fault.headers ?? {} });
    }
    if (fault?.kind === "malformed") {
      count(tenant, "graph.fault.malformed");
      return graphJson(request, { value: "not what Graph documents", "@odata.nextLink": 42 });
    }
    if (fault?.kind === "error") {
      count(tenant, `graph.fault.${fault.status}`);
      return graphError(request, fault.status, fault.error, fault.description ?? "Please retry again later.", {
        ...(fault.retryAfter === undefined ? {} : { headers: { "retry-after": fault.retryAfter } }),
      });
    }
    if (segments[0] === "$batch" && request.method === "POST") {
      return await batch(context, options);
    }
    if (segments[0] === "me" && segments.length === 1 && request.method === "GET") {
      return me(context);
    }
    if (segments[0] === "subscriptions") {
      const answer = await subscriptionRoute(context, segments, options.notifier);
      return answer ?? graphError(request, 405, "Request_BadRequest", "Method not allowed.");
    }
    const response = target === null ? null : await mailRoute(context, target);
    return (
      response ?? graphError(request, 400, "BadRequest", `Resource not found for the segment '${segments[0] ?? ""}'.`)
    );
  } finally {
    if (target !== null) {
      leaveMailbox(target.mailbox);
    }
  }
}

/** `GET /me`: the signed-in user, default properties or `$select`. */
function me(context: GraphContext): Response {
  const { user, url, request } = context;
  const all: Record<string, unknown> = {
    businessPhones: [],
    displayName: user.displayName,
    givenName: user.givenName,
    jobTitle: null,
    mail: user.mail,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: "en-US",
    surname: user.surname,
    userPrincipalName: user.userPrincipalName,
    id: user.id,
  };
  const select = url.searchParams.get("$select");
  if (select === null) {
    return graphJson(request, { "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity", ...all });
  }
  const fields = select.split(",").map((field) => field.trim());
  const unknown = fields.find((field) => !(field in all));
  if (unknown !== undefined) {
    return graphError(
      request,
      400,
      "BadRequest",
      `Could not find a property named '${unknown}' on type 'microsoft.graph.user'.`,
    );
  }
  return graphJson(request, {
    "@odata.context": `https://graph.microsoft.com/v1.0/$metadata#users(${fields.join(",")})/$entity`,
    ...Object.fromEntries(fields.map((field) => [field, all[field]])),
  });
}

interface BatchItem {
  id?: unknown;
  method?: unknown;
  url?: unknown;
  headers?: Record<string, string>;
  body?: unknown;
}

/** `POST /$batch` (https://learn.microsoft.com/graph/json-batching): up to 20 requests, each answered on its own. */
async function batch(context: GraphContext, options: GraphOptions): Promise<Response> {
  const { request } = context;
  const payload = (await request.json().catch(() => null)) as { requests?: BatchItem[] } | null;
  const items = payload?.requests;
  if (!Array.isArray(items) || items.length === 0) {
    return graphError(request, 400, "BadRequest", "Invalid batch payload format.");
  }
  if (items.length > BATCH_LIMIT) {
    return graphError(
      request,
      400,
      "BadRequest",
      `Number of batch request steps exceeds the maximum value of ${BATCH_LIMIT}.`,
    );
  }
  const ids = items.map((item) => String(item.id ?? ""));
  if (new Set(ids).size !== ids.length || ids.includes("")) {
    return graphError(request, 400, "BadRequest", "Batch request ids must be present and unique.");
  }
  const responses: Record<string, unknown>[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as BatchItem;
      responses.push(await batchItem(context, item, options));
    }
  };
  await Promise.all(Array.from({ length: BATCH_CONCURRENCY }, worker));
  // docs/microsoft.md, "Throttled batches": Graph may fail the whole batch with 424 when items were
  // throttled, instead of answering 200 with their 429s inside.
  if (context.tenant.settings.batchThrottling === "whole" && responses.some((response) => response["status"] === 429)) {
    count(context.tenant, "graph.batch_failed_dependency");
    return graphError(request, 424, "FailedDependency", "One or more requests in the batch were throttled.");
  }
  return graphJson(request, { responses });
}

async function batchItem(
  context: GraphContext,
  item: BatchItem,
  options: GraphOptions,
): Promise<Record<string, unknown>> {
  const id = String(item.id);
  if (typeof item.method !== "string" || typeof item.url !== "string" || !item.url.startsWith("/")) {
    return {
      id,
      status: 400,
      body: { error: { code: "BadRequest", message: "Each request needs a method and a relative url." } },
    };
  }
  const headers = new Headers(item.headers ?? {});
  if (item.body !== undefined && !headers.has("content-type")) {
    return {
      id,
      status: 400,
      body: {
        error: {
          code: "BadRequest",
          message: `Write request id : ${id} does not contain Content-Type header or body.`,
        },
      },
    };
  }
  headers.set("authorization", context.request.headers.get("authorization") ?? "");
  const inner = new Request(`${context.url.origin}/v1.0${item.url}`, {
    method: item.method,
    headers,
    ...(item.body === undefined ? {} : { body: JSON.stringify(item.body) }),
  });
  try {
    const response = await handleGraph(context.state, inner, item.url, { ...options, batched: true });
    const text = await response.text();
    const kept = ["retry-after", "location", "content-type"].flatMap((name) => {
      const value = response.headers.get(name);
      return value === null ? [] : [[name === "retry-after" ? "Retry-After" : name, value]];
    });
    return {
      id,
      status: response.status,
      headers: Object.fromEntries(kept),
      ...(text === "" ? {} : { body: JSON.parse(text) }),
    };
  } catch (error) {
    if (error instanceof SimulatedNetworkError) {
      return { id, status: 504, body: { error: { code: "GatewayTimeout", message: "Gateway timeout." } } };
    }
    throw error;
  }
}

function unauthorized(request: Request, message: string): Response {
  return graphError(request, 401, "InvalidAuthenticationToken", message, {
    headers: { "www-authenticate": WWW_AUTHENTICATE },
  });
}

/** A counter name with ids and addresses replaced, e.g. `/users/{id}/messages/{id}`. */
function routeName(path: string): string {
  const segments = path.split("?")[0]?.split("/") ?? [];
  return segments
    .map((segment, index) =>
      index > 1 &&
      ["users", "messages", "mailFolders", "childFolders", "attachments", "subscriptions"].includes(
        segments[index - 1] ?? "",
      ) &&
      !["delta", "move"].includes(segment)
        ? "{id}"
        : segment,
    )
    .join("/");
}
