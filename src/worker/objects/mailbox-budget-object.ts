/**
 * One object per app and mailbox, named `{credentialId}:{mailbox address}`: Outlook's budget of four
 * concurrent requests (https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits),
 * shared by every handler run and every send that uses the mailbox, wherever they run. A request takes
 * slots before it goes to Graph and gives them back after (a `$batch` takes all four); a lease that is
 * never given back (its caller died) expires. Nothing is stored: a lost object only forgets leases.
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import { Semaphore } from "../../core/concurrency.ts";
import { OUTLOOK_CONCURRENT_REQUESTS } from "../../core/microsoft/graph-client.ts";
import type { Env } from "../env.ts";

/** Longer than any Graph request may take (the longest timeout is 30 s, retries wait outside a lease). */
const LEASE_EXPIRY_MS = 90_000;

interface Lease {
  releases: (() => void)[];
  expiry: ReturnType<typeof setTimeout>;
}

export class MailboxBudget extends DurableObject<Env> {
  readonly #slots = new Semaphore(OUTLOOK_CONCURRENT_REQUESTS);
  readonly #leases = new Map<string, Lease>();

  /** Waits until `weight` of the four slots are free, and returns the lease that holds them. */
  async acquire(weight: number): Promise<string> {
    const count = Math.max(1, Math.min(OUTLOOK_CONCURRENT_REQUESTS, Math.floor(weight)));
    // All acquires start in this turn, in order: two batches waiting cannot each hold part of the slots.
    const releases = await Promise.all(Array.from({ length: count }, () => this.#slots.acquire()));
    const id = crypto.randomUUID();
    this.#leases.set(id, { releases, expiry: setTimeout(() => this.release(id), LEASE_EXPIRY_MS) });
    return id;
  }

  release(leaseId: string): void {
    const lease = this.#leases.get(leaseId);
    if (lease === undefined) {
      return;
    }
    this.#leases.delete(leaseId);
    clearTimeout(lease.expiry);
    for (const release of lease.releases) {
      release();
    }
  }
}
