/**
 * One run of a mail handler: read what is new in the folder through the delta query, take each page in
 * (`admission.ts`), post what is due (`delivery.ts`) while marking read or moving what was delivered
 * (`after-processing.ts`). The delta position moves past a page only once every message on it is
 * recorded for good: ignored, skipped, dead-lettered or stored in the outbox with its payload. A run
 * ends only when every delivery it started has its outcome stored, whatever else failed, so no message
 * is ever posted again after a 2xx because a run broke off.
 * @module
 */
import { AfterProcessing } from "./after-processing.ts";
import type { PartialBatches } from "./after-processing.ts";
import { admitPage } from "./admission.ts";
import { deliverDue } from "./delivery.ts";
import { deltaQuery, INITIAL_PAGING, isSyncStateGone, readDeltaPage } from "./delta-reader.ts";
import { emptyRunCounts } from "./handler.ts";
import { HandlerDelayedError } from "./run-verdict.ts";
import type { MarkerKeys } from "../crypto/key-ring.ts";
import type { RuleReason } from "../mail/auto-reply.ts";
import type { GraphClient } from "../microsoft/graph-client.ts";
import type { Clock, HttpClient, Logger } from "../ports.ts";
import type { DeliveryBudget } from "./delivery.ts";
import type { AfterProcessing as AfterProcessingMode, RunCounts } from "./handler.ts";
import type { HandlerStore } from "./store.ts";

/**
 * A run reads at most this many pages and posts at most this many deliveries, which keeps it well
 * inside a Workers invocation's limits (10,000 subrequests on the Paid plan, attachments counted); a
 * run that stops at a limit asks to be continued at once.
 */
const MAX_PAGES_PER_RUN = 10;
const MAX_DELIVERIES_PER_RUN = 2500;

export interface RunSettings {
  handlerId: string;
  /** `me` or a shared mailbox address. */
  mailbox: string;
  /** The address shown as `data.mailbox`: the account's own for `me`. */
  mailboxAddress: string;
  folderId: string;
  moveToFolderId: string | null;
  onlyUnread: boolean;
  afterProcessing: AfterProcessingMode;
  /** Whether skipped mail is marked read or moved like delivered mail, or left as it is. */
  afterProcessingSkipped: "none" | "same";
  /** Whether a batch of fewer than 20 waits for a later run (see `PartialBatches`). */
  partialBatches: PartialBatches;
  includeAttachments: boolean;
  maxAttachmentBytes: number;
  /** The rules that skip mail; empty when the handler skips nothing. */
  skipRules: ReadonlySet<RuleReason>;
  /** To recognise edgepost's own marker on mail it sent. */
  markerKeys: MarkerKeys;
  webhook: { url: string; token: string | null };
}

/** Seals payloads at rest (they hold whole mails) and opens them for delivery. */
export interface PayloadSeal {
  seal(messageId: string, payload: string): Promise<string>;
  open(messageId: string, sealed: string): Promise<string>;
}

export interface RunDeps {
  graph: GraphClient;
  /** For the webhook. */
  http: HttpClient;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  store: HandlerStore;
  payloads: PayloadSeal;
  logger: Logger;
}

export interface RunOutcome {
  counts: RunCounts;
  /** What went wrong without stopping the run, such as messages Graph would not mark read. */
  warning: string | null;
  /** The run stopped at a limit with mail still to read or deliveries due: continue at once. */
  moreWork: boolean;
}

/**
 * Runs the handler once. `counts` is filled in as it goes, so a run stopped by an error still reports
 * what it did; the error is thrown once every delivery has its outcome stored.
 */
export async function runHandler(
  settings: RunSettings,
  deps: RunDeps,
  counts: RunCounts = emptyRunCounts(),
): Promise<RunOutcome> {
  const budget: DeliveryBudget = { left: MAX_DELIVERIES_PER_RUN };
  const after = new AfterProcessing(settings, deps);
  const run = { counts, budget, onDelivered: () => after.kick() };
  let failure: unknown = null;
  let unread = false;
  try {
    unread = await readNewMail(settings, deps, run);
  } catch (error) {
    failure = error;
  }
  try {
    await deliverDue(settings, deps, run);
  } catch (error) {
    failure ??= error;
  }
  const afterReport = await after.finish();
  counts.pending = deps.store.pendingCount();
  if (failure !== null) {
    throw failure;
  }
  const dueLeft = deps.store.dueDeliveries(deps.clock.now(), 1).length > 0;
  return { counts, warning: afterReport.warning, moreWork: unread || (dueLeft && budget.left === 0) };
}

/** Reads new pages of the folder's delta; true when it stopped at the page limit with more to read. */
async function readNewMail(
  settings: RunSettings,
  deps: RunDeps,
  run: { counts: RunCounts; budget: DeliveryBudget; onDelivered: () => void },
): Promise<boolean> {
  const { store, graph } = deps;
  const query = await deltaQuery({ mailbox: settings.mailbox, folderId: settings.folderId });
  const position = store.deltaPosition();
  // Graph keeps the query inside the links it hands out: links of another query start over.
  let link: string | null =
    position !== null && position.queryHash === query.queryHash ? position.link : query.initialLink;
  let restarted = false;
  for (let pages = 0; link !== null && pages < MAX_PAGES_PER_RUN; pages++) {
    let page: Awaited<ReturnType<typeof readDeltaPage>>;
    try {
      page = await readDeltaPage(graph, link, {
        paging: store.deltaPaging() ?? INITIAL_PAGING,
        remember: (paging) => store.saveDeltaPaging(paging),
      });
    } catch (error) {
      if (!restarted && isSyncStateGone(error)) {
        deps.logger.warn("handler.delta_reset", { handlerId: settings.handlerId });
        store.saveDeltaPosition(null);
        link = query.initialLink;
        restarted = true;
        pages--;
        continue;
      }
      throw error;
    }
    const admission = await admitPage(page.items, settings, deps, run.counts);
    await deliverDue(settings, deps, run);
    if (!admission.complete) {
      throw new HandlerDelayedError(
        `Graph could not give every message of a page now${admission.retryAfterSeconds === null ? "" : ` (asked to wait ${admission.retryAfterSeconds} s)`}; the next run reads the page again`,
      );
    }
    const next = page.nextLink ?? page.deltaLink;
    if (next !== null) {
      store.saveDeltaPosition({ link: next, queryHash: query.queryHash });
    }
    link = page.nextLink;
  }
  return link !== null;
}
