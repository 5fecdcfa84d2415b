/**
 * Pages of list routes: `?limit=&cursor=` in, `{ items, nextCursor }` out. Items are ordered by a
 * sort key (a timestamp) and then by id, and the cursor names the last item of a page, so pages stay
 * stable while items are added. Without `limit` a page holds up to `PAGE_LIMIT_MAX` items, so the
 * lists of every deployment edgepost is sized for arrive in one page, as they did before pages.
 * @module
 */
import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from "@oslojs/encoding";
import * as z from "./zod.ts";
import { parseInput, refuse } from "./validation.ts";

export const PAGE_LIMIT_MAX = 1000;

/** Where a page starts: after the item with this sort key and id. */
export interface PagePosition {
  sortKey: string;
  id: string;
}

export interface PageRequest {
  limit: number;
  after: PagePosition | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const cursorSchema = z.tuple([z.string(), z.string()]);

const querySchema = z.strictObject({
  limit: z.optional(
    z.pipe(
      z.pipe(z.string().check(z.regex(/^\d+$/, "must be a whole number")), z.transform(Number)),
      z.number().check(z.int(), z.minimum(1), z.maximum(PAGE_LIMIT_MAX)),
    ),
  ),
  cursor: z.optional(
    z.pipe(
      z.string(),
      z.transform(
        (value, payload) => decodeCursor(value) ?? refuse(payload, "cursor is not a cursor this list gave out"),
      ),
    ),
  ),
});

/** Reads `limit` and `cursor` from a query; anything else in the query is refused, naming it. */
export function parsePageQuery(query: Record<string, string>): PageRequest {
  const parsed = parseInput(querySchema, query);
  return { limit: parsed.limit ?? PAGE_LIMIT_MAX, after: parsed.cursor ?? null };
}

export function encodeCursor(position: PagePosition): string {
  return encodeBase64urlNoPadding(new TextEncoder().encode(JSON.stringify([position.sortKey, position.id])));
}

function decodeCursor(value: string): PagePosition | null {
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(new TextDecoder().decode(decodeBase64urlIgnorePadding(value))));
    return parsed.success ? { sortKey: parsed.data[0], id: parsed.data[1] } : null;
  } catch {
    return null;
  }
}

/** Whether an item lies after the position, in (sort key, id) order. */
export function isAfter(position: PagePosition | null, item: PagePosition): boolean {
  return (
    position === null || item.sortKey > position.sortKey || (item.sortKey === position.sortKey && item.id > position.id)
  );
}

export function comparePositions(a: PagePosition, b: PagePosition): number {
  return a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The page of `request` from candidates in any order, each source having given at most
 * `request.limit` items after the cursor; `sourceFull` says a source may have held back more.
 */
export function pageOf<T>(
  candidates: readonly T[],
  request: PageRequest,
  options: { position: (item: T) => PagePosition; sourceFull: boolean },
): Page<T> {
  const sorted = candidates
    .filter((item) => isAfter(request.after, options.position(item)))
    .sort((a, b) => comparePositions(options.position(a), options.position(b)));
  const items = sorted.slice(0, request.limit);
  const last = items.at(-1);
  const more = sorted.length > request.limit || (options.sourceFull && items.length === request.limit);
  return { items, nextCursor: more && last !== undefined ? encodeCursor(options.position(last)) : null };
}
