/**
 * The one stylesheet of edgepost's pages: readable, high-contrast, no framework.
 * @module
 */
export const STYLESHEET = `
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #ffffff; --muted: #57606a; --line: #d0d7de;
  --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --accent: #0969da; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #8d96a0; --line: #30363d;
  --ok: #3fb950; --warn: #d29922; --bad: #f85149; --accent: #4493f8; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 1rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .75rem; }
a { color: var(--accent); }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .92em; overflow-wrap: anywhere; }
.notice { border: 1px solid var(--line); border-left: 4px solid var(--accent); padding: .75rem 1rem; margin: 1rem 0; }
.notice.ok { border-left-color: var(--ok); }
.notice.error { border-left-color: var(--bad); }
.notice.warn { border-left-color: var(--warn); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
main.narrow { max-width: 28rem; }
.bar { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; padding: .5rem 1.5rem; border-bottom: 1px solid var(--line); }
.bar .brand { font-weight: 700; text-decoration: none; color: var(--fg); }
.bar nav ul { display: flex; gap: 1rem; list-style: none; margin: 0; padding: 0; }
.bar nav a[aria-current="page"] { font-weight: 700; text-decoration: none; color: var(--fg); }
.bar form { margin-left: auto; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
th, td { text-align: left; vertical-align: top; padding: .5rem; border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 600; }
.field { margin: 0 0 1rem; }
.field label { display: block; font-weight: 600; margin-bottom: .25rem; }
.field input[type="text"], .field input[type="password"], .field input[type="url"], .field input[type="email"],
.field input[type="number"], .field select { width: 100%; padding: .45rem .5rem; font: inherit; color: inherit;
  background: var(--bg); border: 1px solid var(--line); border-radius: 4px; }
.field.checkbox { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
.field.checkbox label { display: inline; margin: 0; }
.field.checkbox .hint { flex-basis: 100%; }
.field.invalid input, .field.invalid select { border-color: var(--bad); }
.hint { color: var(--muted); font-size: .9rem; margin: .25rem 0 0; }
.error { color: var(--bad); font-weight: 600; margin: .25rem 0 0; }
.small { font-size: .9rem; margin-top: .25rem; }
button, a.button { display: inline-block; font: inherit; padding: .4rem .9rem; border-radius: 4px; cursor: pointer;
  border: 1px solid var(--line); background: transparent; color: var(--fg); text-decoration: none; }
button.primary, a.button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.danger { border-color: var(--bad); color: var(--bad); }
button.quiet { border-color: transparent; color: var(--accent); }
form.inline { display: inline; }
td.actions form { display: block; margin-bottom: .25rem; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .85rem; font-weight: 600; border: 1px solid currentColor; }
.badge.ok { color: var(--ok); }
.badge.bad { color: var(--bad); }
.badge.warn { color: var(--warn); }
.badge.muted { color: var(--muted); }
ul.cards { display: flex; gap: 1rem; list-style: none; padding: 0; }
ul.cards li a { display: block; padding: 1rem 1.5rem; border: 1px solid var(--line); border-radius: 6px; text-decoration: none; }
ul.cards strong { font-size: 1.6rem; display: block; }
.copy-row code { padding: .25rem .4rem; border: 1px solid var(--line); border-radius: 4px; }
`;
