/**
 * The Worker's bindings and settings, as declared in `wrangler.toml` and `.dev.vars`.
 * @module
 */
import type { AccessObject } from "./objects/access-object.ts";
import type { AlertsObject } from "./objects/alerts-object.ts";
import type { AccountObject } from "./objects/account-object.ts";
import type { Directory } from "./objects/directory-object.ts";
import type { HandlerObject } from "./objects/handler-object.ts";
import type { MailboxBudget } from "./objects/mailbox-budget-object.ts";

export interface Env {
  /** Configuration read often and written rarely: credentials (secrets sealed). */
  CONFIG: KVNamespace;
  /** One object per connected mailbox: its tokens and status. */
  ACCOUNTS: DurableObjectNamespace<AccountObject>;
  /** Sharded index of accounts, handlers and pending authorizations, with strong consistency. */
  DIRECTORY: DurableObjectNamespace<Directory>;
  /** One object per mail handler: its configuration, delta cursor, outbox and dead letters. */
  HANDLERS: DurableObjectNamespace<HandlerObject>;
  /** One object per app and mailbox: Outlook's four concurrent requests, shared by every caller. */
  MAILBOX_BUDGETS: DurableObjectNamespace<MailboxBudget>;
  /** API keys, admin sessions and failed sign-ins: what must be strongly consistent about access. */
  ACCESS: DurableObjectNamespace<AccessObject>;
  /** The conditions that need a person, and the alerts that tell them (one object). */
  ALERTS: DurableObjectNamespace<AlertsObject>;

  /** Secret: bearer token for `/api/*` and the admin pages. */
  ADMIN_TOKEN?: string;
  /** Secret: `keyId:base64Key[,…]`, 32-byte AES keys; the first encrypts, all decrypt. */
  ENCRYPTION_KEYS?: string;

  /** External base URL; the redirect URI is `${PUBLIC_URL}/oauth/callback`. Default: the request origin. */
  PUBLIC_URL?: string;
  /** Microsoft Graph base, default `https://graph.microsoft.com/v1.0`. */
  GRAPH_BASE_URL?: string;
  /** Comma-separated hosts accepted in auth/token endpoint URLs. */
  ALLOWED_AUTH_HOSTS?: string;
  /** `true` lets http:// loopback URLs be used (local development and tests only). */
  ALLOW_HTTP_LOOPBACK?: string;
}

type EdgepostEnv = Env;

declare global {
  namespace Cloudflare {
    interface Env extends EdgepostEnv {}
  }
}
