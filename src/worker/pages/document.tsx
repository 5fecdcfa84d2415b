/**
 * The HTML frame every page shares, and the headers every page is sent with: no caching (pages can
 * show account details), a strict Content-Security-Policy, no referrer (the callback URL carries a
 * code), no framing.
 * @module
 */
import type { Child } from "hono/jsx";

export const STYLESHEET_PATH = "/assets/edgepost.css";

const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self'",
  "script-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
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

/** A complete page response. */
export function pageResponse(status: number, page: Child): Response {
  return new Response(`<!doctype html>${String(page)}`, { status, headers: PAGE_HEADERS });
}
