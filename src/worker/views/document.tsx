/**
 * The HTML frame every page shares, and the headers every page is sent with: no caching (pages can
 * show account details), a strict Content-Security-Policy, referrers only within edgepost (the
 * callback URL carries a code; `no-referrer` would make browsers send `Origin: null` on the forms,
 * which the CSRF check refuses), no framing.
 * @module
 */
import type { Child } from "hono/jsx";

const STYLESHEET_PATH = "/assets/edgepost.css";

/**
 * `form-action` also governs where a form's response may redirect, so a page whose form leads on to
 * Microsoft's sign-in names that origin too.
 */
function contentSecurityPolicy(formActionOrigins: readonly string[]): string {
  return [
    "default-src 'none'",
    "style-src 'self'",
    "img-src 'self'",
    "script-src 'self'",
    ["form-action 'self'", ...formActionOrigins].join(" "),
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; ");
}

export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "content-security-policy": contentSecurityPolicy([]),
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "x-frame-options": "DENY",
};

export function Document(props: { title: string; children: Child }): Child {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · edgepost`}</title>
        <link rel="stylesheet" href={STYLESHEET_PATH} />
      </head>
      <body>{props.children}</body>
    </html>
  );
}

/** A complete page response; `formActionOrigins` lists where its forms may lead besides edgepost. */
export function pageResponse(
  status: number,
  page: Child,
  options: { formActionOrigins?: readonly string[] } = {},
): Response {
  const origins = [...new Set(options.formActionOrigins ?? [])];
  return new Response(`<!doctype html>${String(page)}`, {
    status,
    headers:
      origins.length === 0
        ? PAGE_HEADERS
        : { ...PAGE_HEADERS, "content-security-policy": contentSecurityPolicy(origins) },
  });
}
