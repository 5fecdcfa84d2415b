/**
 * The core's `Logger` on the Workers console: one JSON object per line, which Workers Logs indexes.
 * @module
 */
import type { LogFields, Logger } from "../core/ports.ts";

export const CONSOLE_LOGGER: Logger = {
  info: (event, fields) => console.log(line("info", event, fields)),
  warn: (event, fields) => console.warn(line("warn", event, fields)),
  error: (event, fields) => console.error(line("error", event, fields)),
};

function line(level: string, event: string, fields: LogFields | undefined): string {
  return JSON.stringify({ level, event, ...fields });
}
