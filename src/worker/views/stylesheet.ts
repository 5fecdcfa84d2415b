/**
 * The one stylesheet of edgepost's pages: readable, WCAG AA contrast in light and dark mode (the
 * palette's ratios are checked by `test/worker/stylesheet-contrast.test.ts`), usable at 390 px wide
 * without scrolling sideways (tables turn into stacked rows), no framework.
 * @module
 */

/** The colours of one colour scheme. Text colours reach 4.5:1 on `bg`; `field` and `focus` reach 3:1. */
export interface Palette {
  fg: string;
  bg: string;
  /** Hints, table headings: still text, so 4.5:1. */
  muted: string;
  /** Decorative separators only (never the only edge of a control). */
  line: string;
  /** Borders of inputs, selects and buttons: 3:1 against `bg`. */
  field: string;
  ok: string;
  warn: string;
  bad: string;
  /** Links, focus ring, outlined buttons' text. */
  accent: string;
  /** A primary button's fill, with `onButton` text on it. */
  button: string;
  onButton: string;
}

export const LIGHT: Palette = {
  fg: "#1b1f24",
  bg: "#ffffff",
  muted: "#57606a",
  line: "#d0d7de",
  field: "#6e7781",
  ok: "#1a7f37",
  warn: "#9a6700",
  bad: "#cf222e",
  accent: "#0969da",
  button: "#0969da",
  onButton: "#ffffff",
};

export const DARK: Palette = {
  fg: "#e6edf3",
  bg: "#0d1117",
  muted: "#8d96a0",
  line: "#30363d",
  field: "#7d8590",
  ok: "#3fb950",
  warn: "#d29922",
  bad: "#f85149",
  accent: "#4493f8",
  button: "#1f6feb",
  onButton: "#ffffff",
};

function variables(palette: Palette): string {
  return Object.entries(palette)
    .map(([name, value]) => `--${name}: ${value};`)
    .join(" ");
}

export const STYLESHEET = `
:root { color-scheme: light dark; ${variables(LIGHT)} }
@media (prefers-color-scheme: dark) { :root { ${variables(DARK)} } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); overflow-wrap: break-word; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem; }
main:focus { outline: none; }
h1 { font-size: 1.6rem; margin: 0 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 2rem 0 .75rem; }
a { color: var(--accent); }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .92em; overflow-wrap: anywhere; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; padding: .75rem; border: 1px solid var(--line); border-radius: 4px; }
.skip-link { position: absolute; left: -100vw; top: .5rem; padding: .5rem 1rem; background: var(--bg); color: var(--accent); }
.skip-link:focus { left: 1rem; z-index: 1; }
.notice { border: 1px solid var(--line); border-left: 4px solid var(--accent); padding: .75rem 1rem; margin: 1rem 0; }
.notice p { margin: .25rem 0; }
.notice.ok { border-left-color: var(--ok); }
.notice.error { border-left-color: var(--bad); }
.notice.warn { border-left-color: var(--warn); }
.error-summary { border: 2px solid var(--bad); padding: .75rem 1rem; margin: 1rem 0; }
.error-summary h2 { margin: 0 0 .5rem; font-size: 1.1rem; }
.error-summary:focus { outline: 3px solid var(--accent); outline-offset: 2px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
main.narrow { max-width: 28rem; }
.bar { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; padding: .5rem 1.5rem; border-bottom: 1px solid var(--line); }
.bar .brand { font-weight: 700; text-decoration: none; color: var(--fg); }
.bar nav ul { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; margin: 0; padding: 0; }
.bar nav a[aria-current="page"] { font-weight: 700; text-decoration: none; color: var(--fg); }
.bar form { margin-left: auto; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
th, td { text-align: left; vertical-align: top; padding: .5rem; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
th { color: var(--muted); font-weight: 600; overflow-wrap: normal; }
.field { margin: 0 0 1rem; }
.field label { display: block; font-weight: 600; margin-bottom: .25rem; }
.field input[type="text"], .field input[type="password"], .field input[type="url"], .field input[type="email"],
.field input[type="number"], .field select { width: 100%; padding: .45rem .5rem; font: inherit; color: inherit;
  background: var(--bg); border: 1px solid var(--field); border-radius: 4px; }
.field.checkbox { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
.field.checkbox input { width: 1.1rem; height: 1.1rem; accent-color: var(--accent); }
.field.checkbox label { display: inline; margin: 0; }
.field.checkbox .hint { flex-basis: 100%; }
.field.invalid input, .field.invalid select { border: 2px solid var(--bad); }
fieldset { border: 1px solid var(--line); border-radius: 4px; margin: 0 0 1rem; padding: .75rem 1rem; }
legend { font-weight: 600; padding: 0 .25rem; }
.hint { color: var(--muted); font-size: .9rem; margin: .25rem 0 0; }
p.error { color: var(--bad); font-weight: 600; margin: .25rem 0 0; }
.small { font-size: .9rem; margin-top: .25rem; }
details summary { cursor: pointer; color: var(--accent); }
button, a.button { display: inline-block; font: inherit; padding: .4rem .9rem; border-radius: 4px; cursor: pointer;
  border: 1px solid var(--field); background: var(--bg); color: var(--accent); text-decoration: none; margin: .125rem 0;
  overflow-wrap: normal; }
button.primary, a.button.primary { background: var(--button); border-color: var(--button); color: var(--onButton); }
button.danger, a.button.danger { background: var(--bad); border-color: var(--bad); color: var(--bg); }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: 1rem 0; }
form.inline { display: inline; }
td .actions { margin: 0; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .85rem; font-weight: 600; border: 1px solid currentColor; white-space: nowrap; }
.badge.ok { color: var(--ok); }
.badge.bad { color: var(--bad); }
.badge.warn { color: var(--warn); }
.badge.info { color: var(--accent); }
.badge.muted { color: var(--muted); }
ul.cards { display: flex; flex-wrap: wrap; gap: 1rem; list-style: none; padding: 0; }
ul.cards li a { display: block; padding: 1rem 1.5rem; border: 1px solid var(--field); border-radius: 6px; text-decoration: none; }
ul.cards strong { font-size: 1.6rem; display: block; }
ol.steps { padding-left: 1.5rem; }
ol.steps li { margin: .5rem 0; }
ol.steps li.done { color: var(--muted); }
ol.steps li[aria-current="step"] { font-weight: 600; }
.copy-row code { padding: .25rem .4rem; border: 1px solid var(--line); border-radius: 4px; }
@media (max-width: 45rem) {
  main { padding: 1rem; }
  .bar { padding: .5rem 1rem; }
  dl.facts { grid-template-columns: 1fr; }
  dl.facts dd { margin-bottom: .5rem; }
  table, thead, tbody, tr, th, td { display: block; }
  thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
  tr { border-bottom: 1px solid var(--line); padding: .5rem 0; }
  td { border: 0; padding: .15rem 0; }
  td[data-label]::before { content: attr(data-label) ": "; font-weight: 600; color: var(--muted); }
}
`;
