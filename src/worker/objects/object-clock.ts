/**
 * Where a Durable Object reads the time: the system clock, unless a test set its own there (through
 * `runInDurableObject`) to move time instead of editing rows. The key is a symbol, so no RPC caller
 * can reach it.
 * @module
 */
export const OBJECT_CLOCK: unique symbol = Symbol("edgepost.object-clock");
