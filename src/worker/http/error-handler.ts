/**
 * The one place where errors thrown while handling a request become problem responses. Unknown
 * errors become a 500 without internals; their name and message go to the log.
 * @module
 */
import { ConfigError } from "../../core/config-error.ts";
import { DecryptionError } from "../../core/crypto/secret-box.ts";
import { ValidationError } from "../../core/validation.ts";
import { CONSOLE_LOGGER } from "../log.ts";
import { problem, ProblemError, problemResponse } from "./problem.ts";
import type { ErrorHandler, NotFoundHandler } from "hono";
import type { AppEnv } from "./context.ts";

export const handleError: ErrorHandler<AppEnv> = (error, c) => {
  if (error instanceof ProblemError) {
    return problemResponse(error.problem, error.headers);
  }
  if (error instanceof ValidationError) {
    const fields = [...new Set(error.issues.map((issue) => issue.path || "body"))].join(", ");
    return problemResponse(problem("invalidInput", `Invalid value for: ${fields}`, { errors: error.issues }));
  }
  if (error instanceof ConfigError) {
    return problemResponse(problem("misconfigured", error.message));
  }
  // Thrown inside a Durable Object, it arrives here rebuilt as a plain Error that keeps only its name.
  if (error instanceof DecryptionError || error.name === "DecryptionError") {
    CONSOLE_LOGGER.error("secret.undecryptable", { problem: error.message, path: c.req.path });
    return problemResponse(problem("internal", `A stored secret could not be decrypted: ${error.message}`));
  }
  CONSOLE_LOGGER.error("request.failed", { error: error.name, message: error.message, path: c.req.path });
  return problemResponse(problem("internal", "An internal error occurred"));
};

export const handleNotFound: NotFoundHandler<AppEnv> = (c) =>
  problemResponse(problem("notFound", `No route for ${c.req.method} ${c.req.path}`));

export function notFound(what: string, id: string): ProblemError {
  return new ProblemError(problem("notFound", `No ${what} with id ${id}`));
}
