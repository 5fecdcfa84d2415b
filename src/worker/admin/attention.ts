/**
 * What the banner on every admin page lists: the conditions that need a person, in one call to the
 * alerts object (never one per account or handler), each linking to the page where it is fixed.
 * @module
 */
import { subjectPagePath } from "../../core/alerts/alert-payload.ts";
import { CONSOLE_LOGGER } from "../log.ts";
import { alertsObject } from "../stores/alerts.ts";
import type { Context } from "hono";
import type { AppEnv } from "../http/context.ts";
import type { HeldCondition } from "../objects/alerts-tables.ts";
import type { AttentionLine } from "../views/components.tsx";

/** Every condition that holds; a page still renders (without the banner) when the alerts object fails. */
export async function heldConditions(c: Context<AppEnv>): Promise<HeldCondition[]> {
  try {
    return await alertsObject(c.env).attention();
  } catch (error) {
    CONSOLE_LOGGER.error("alerts.attention_failed", { error: error instanceof Error ? error.message : "unknown" });
    return [];
  }
}

/** The banner's lines for these conditions. */
export function attentionLines(held: readonly HeldCondition[]): AttentionLine[] {
  return held.map((item) => ({
    condition: item.condition,
    subjectId: item.subject.id,
    href: subjectPagePath(item.subject),
    name: item.subject.name,
    detail: item.detail,
    kind: item.condition === "credential.secret_expiring" && (item.level ?? 30) > 1 ? "warn" : "error",
  }));
}
