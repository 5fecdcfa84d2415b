/**
 * Request bodies: JSON only, size-capped while reading so a missing or lying Content-Length cannot
 * push more than the limit into memory.
 * @module
 */
import { fieldIssue } from "../../core/validation.ts";
import { problem, ProblemError } from "./problem.ts";

/** Every route but `/send`. */
export const BODY_LIMIT_BYTES = 64 * 1024;
/** `POST /api/accounts/{id}/send`: mail with attachments. */
export const SEND_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

function isJsonContentType(value: string | null): boolean {
  return value !== null && JSON_MEDIA_TYPE.test(value);
}

function tooLarge(limit: number): ProblemError {
  return new ProblemError(problem("payloadTooLarge", `The request body exceeds ${formatBytes(limit)}`));
}

function unsupportedMediaType(): ProblemError {
  return new ProblemError(
    problem("unsupportedMediaType", "The request body must be JSON (Content-Type: application/json)"),
  );
}

/**
 * Reads and parses a JSON body of at most `maxBytes`. An empty body gives `undefined`, leaving it to
 * the route's schema whether a body is required.
 */
export async function readJsonBody(request: Request, options: { maxBytes: number }): Promise<unknown> {
  const text = await readCappedText(request, options);
  if (text === "") {
    return undefined;
  }
  if (!isJsonContentType(request.headers.get("content-type"))) {
    throw unsupportedMediaType();
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ProblemError(
      problem("invalidInput", "The request body is not valid JSON", { errors: [fieldIssue("", "is not valid JSON")] }),
      { cause: error },
    );
  }
}

/** The body as text, refused with 413 past `maxBytes` whatever Content-Length claims. */
export async function readCappedText(request: Request, options: { maxBytes: number }): Promise<string> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > options.maxBytes) {
    throw tooLarge(options.maxBytes);
  }
  return new TextDecoder().decode(await readCapped(request, options.maxBytes));
}

async function readCapped(request: Request, maxBytes: number): Promise<Uint8Array> {
  if (request.body === null) {
    return new Uint8Array();
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}
