/**
 * Driving the admin pages as a browser would: sign in, keep the session cookie, read the CSRF token
 * from a page, and post forms from edgepost's own origin.
 * @module
 */
import { ADMIN_TOKEN, call, WORKER_ORIGIN } from "./api.ts";

export interface Browser {
  cookie: string;
  get(path: string): Promise<{ status: number; html: string; response: Response }>;
  /** Posts a form taken from `fromPage` (its CSRF token is added), from edgepost's origin unless told. */
  submit(
    path: string,
    fields: Record<string, string>,
    options?: { fromPage?: string; origin?: string | null; csrf?: string | null },
  ): Promise<{ status: number; html: string; response: Response }>;
}

function csrfTokenIn(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (match?.[1] === undefined) {
    throw new Error("no CSRF token on the page");
  }
  return match[1];
}

export async function signIn(): Promise<Browser> {
  const response = await call("POST", "/login", {
    token: null,
    rawBody: new URLSearchParams({ token: ADMIN_TOKEN, next: "/" }).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded", origin: WORKER_ORIGIN },
  });
  const cookie = (response.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  if (response.status !== 303 || cookie === "") {
    throw new Error(`sign-in failed: ${response.status}`);
  }
  return browserWith(cookie);
}

export function browserWith(cookie: string): Browser {
  const get = async (path: string) => {
    const response = await call("GET", path, { token: null, headers: { cookie } });
    return { status: response.status, html: await response.text(), response };
  };
  return {
    cookie,
    get,
    async submit(path, fields, options = {}) {
      const csrf = options.csrf === undefined ? csrfTokenIn((await get(options.fromPage ?? "/")).html) : options.csrf;
      const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", cookie };
      const origin = options.origin === undefined ? WORKER_ORIGIN : options.origin;
      if (origin !== null) {
        headers["origin"] = origin;
      }
      const body = new URLSearchParams({ ...fields, ...(csrf === null ? {} : { _csrf: csrf }) }).toString();
      const response = await call("POST", path, { token: null, rawBody: body, headers });
      return { status: response.status, html: await response.text(), response };
    },
  };
}
