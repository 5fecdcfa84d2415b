/**
 * One object per connected mailbox, named by the account id. It is the only holder of the account's
 * tokens (sealed at rest, in `AccountTables`) and status, and the one place where they are refreshed,
 * so concurrent callers anywhere share a single refresh. After every change it reports its view to
 * its directory shard.
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import { DEFAULT_MIN_VALIDITY_SECONDS, KEEP_ALIVE_IDLE_MS, TokenBroker } from "../../core/accounts/token-broker.ts";
import { isClientSecretProblem } from "../../core/advice.ts";
import { secretRejectedCondition } from "../../core/alerts/alert-rules.ts";
import { SYSTEM_CLOCK } from "../../core/ports.ts";
import { CONSOLE_LOGGER } from "../log.ts";
import { outboundFetch } from "../outbound-fetch.ts";
import { loadSettings } from "../settings.ts";
import { reportToAlerts } from "../stores/alerts.ts";
import { loadRefreshCredential } from "../stores/credential-loader.ts";
import { CredentialStore } from "../stores/credential-store.ts";
import { directoryShardOf } from "../stores/directory-shards.ts";
import { AccountTables } from "./account-tables.ts";
import { OBJECT_CLOCK } from "./object-clock.ts";
import type { AccountView } from "../../core/accounts/account.ts";
import type { AccessTokenResult, KeepAliveResult, TokenVault } from "../../core/accounts/token-broker.ts";
import type { Clock } from "../../core/ports.ts";
import type { Env } from "../env.ts";
import type { SignIn } from "./account-tables.ts";

export type { SignIn } from "./account-tables.ts";

export interface TokenRequest {
  minValiditySeconds?: number;
  forceRefresh?: boolean;
}

export class AccountObject extends DurableObject<Env> {
  [OBJECT_CLOCK]: Clock = SYSTEM_CLOCK;
  readonly #tables: AccountTables;
  readonly #broker: TokenBroker;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const keyRing = async () => (await loadSettings(env)).keyRing;
    this.#tables = new AccountTables(ctx.storage.sql, { keyRing, clock: () => this[OBJECT_CLOCK] });
    const tables = this.#tables;
    // Every write of the broker is published to the directory, which lists accounts and keeps them alive.
    const vault: TokenVault = {
      read: () => tables.read(),
      saveRefreshed: async (tokens) => {
        const secretWasRefused = tables.credentialRefused();
        const stored = await tables.saveRefreshed(tokens);
        await this.#publish({ required: false });
        if (secretWasRefused) {
          await this.#reportSecret(null);
        }
        return stored;
      },
      markReauthRequired: async (reason) => {
        await tables.markReauthRequired(reason);
        CONSOLE_LOGGER.warn("account.reauth_required", { accountId: ctx.id.name ?? "", code: reason.code });
        await this.#publish({ required: false });
      },
      recordFailure: async (failure) => {
        await tables.recordFailure(failure);
        await this.#publish({ required: false });
        if (failure.kind === "credential" && isClientSecretProblem(failure.reason.code)) {
          await this.#reportSecret({ code: failure.reason.code });
        }
      },
      takeForcedRefresh: (now, budget) => tables.takeForcedRefresh(now, budget),
    };
    this.#broker = new TokenBroker({
      vault,
      loadCredential: async (credentialId) => loadRefreshCredential(env.CONFIG, await loadSettings(env), credentialId),
      http: async (request) => outboundFetch(await loadSettings(env))(request),
      clock: { now: () => this[OBJECT_CLOCK].now() },
      logger: CONSOLE_LOGGER,
      accountId: ctx.id.name ?? ctx.id.toString(),
    });
  }

  /**
   * Creates the account, or refreshes an existing one after a new sign-in (status back to connected).
   * A new account that cannot be listed in the directory is not kept: it would escape the checks that
   * keep its credential from being deleted.
   */
  async recordSignIn(input: SignIn): Promise<AccountView> {
    const existed = this.#tables.exists();
    await this.#tables.recordSignIn(input);
    try {
      return await this.#publish({ required: true });
    } catch (error) {
      if (!existed) {
        await this.#erase();
      }
      throw error;
    }
  }

  async getAccessToken(request: TokenRequest = {}): Promise<AccessTokenResult> {
    return this.#broker.getAccessToken({
      minValiditySeconds: request.minValiditySeconds ?? DEFAULT_MIN_VALIDITY_SECONDS,
      forceRefresh: request.forceRefresh ?? false,
    });
  }

  keepAlive(): Promise<KeepAliveResult> {
    return this.#broker.keepAlive({ idleMs: KEEP_ALIVE_IDLE_MS });
  }

  view(): AccountView | null {
    return this.#tables.view();
  }

  /** Forgets the account: directory entry first (so a failure leaves it visible and retryable), then every token. */
  async remove(): Promise<boolean> {
    const view = this.#tables.view();
    if (view === null) {
      return false;
    }
    await directoryShardOf(this.env, view.id).removeAccount(view.id);
    await this.#erase();
    return true;
  }

  /** Re-seals the tokens under the first key of ENCRYPTION_KEYS; false when they already were. */
  reencrypt(): Promise<boolean> {
    return this.#tables.reseal();
  }

  /**
   * Tells the alerts object that Microsoft refused the credential's client secret (or, with null, took
   * it again). Every account of the credential may say so; the alerts object fires once per change.
   */
  async #reportSecret(refusal: { code: string } | null): Promise<void> {
    const credentialId = this.#tables.view()?.credentialId;
    const credential = credentialId === undefined ? null : await new CredentialStore(this.env.CONFIG).get(credentialId);
    if (credential !== null) {
      await reportToAlerts(this.env, { type: "credential", id: credential.id, name: credential.name }, [
        secretRejectedCondition(credential, refusal),
      ]);
    }
  }

  async #erase(): Promise<void> {
    await this.ctx.storage.deleteAll();
    this.#tables.forget();
  }

  /** Reports the account's current view to its directory shard; unless required, a failure only delays listings. */
  async #publish(options: { required: boolean }): Promise<AccountView> {
    const view = this.#tables.view();
    if (view === null) {
      throw new Error("account was removed during the operation");
    }
    try {
      await directoryShardOf(this.env, view.id).upsertAccount(view, this.#tables.refreshTokenUsedAt());
    } catch (error) {
      if (options.required) {
        throw error;
      }
      CONSOLE_LOGGER.error("directory.publish_failed", {
        accountId: view.id,
        error: error instanceof Error ? error.message : "unknown",
      });
    }
    return view;
  }
}
