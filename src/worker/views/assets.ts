/**
 * The static files the pages use: one stylesheet and one small script (the Copy buttons). Served by
 * the Worker so that the Content-Security-Policy can stay at `'self'`.
 * @module
 */
import { STYLESHEET } from "./stylesheet.ts";

/** Progressive enhancement: every page works without it; it only adds the Copy buttons' behaviour. */
const COPY_SCRIPT = `
for (const button of document.querySelectorAll("button[data-copy]")) {
  button.hidden = false;
  button.addEventListener("click", async () => {
    const source = document.getElementById(button.dataset.copy);
    const status = document.getElementById(button.dataset.copy + "-status");
    try {
      await navigator.clipboard.writeText(source.textContent.trim());
      status.textContent = "Copied to the clipboard.";
    } catch {
      status.textContent = "Copy failed; select the text and copy it by hand.";
    }
  });
}
`;

export const ASSETS: Readonly<Record<string, { contentType: string; body: string }>> = {
  "edgepost.css": { contentType: "text/css; charset=utf-8", body: STYLESHEET },
  "copy.js": { contentType: "text/javascript; charset=utf-8", body: COPY_SCRIPT },
};
