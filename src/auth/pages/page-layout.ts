import { escapeHtml } from './html.ts';
import { renderIdleScript, renderIdleWarning, type IdleTimers } from './idle-script.ts';

export interface PageOptions {
  title: string;
  /** Per-response CSP nonce for the inline style and script. */
  nonce: string;
  /** Body content, already escaped by the page that built it. */
  body: string;
  /** Present on pages shown inside a session: adds the inactivity warning. */
  idle?: IdleTimers & { minutesLeft: number };
}

const style = `
body { font-family: system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1b1f24; }
main { max-width: 32rem; margin: 3rem auto; background: #fff; padding: 2rem; border-radius: 8px; }
h1 { font-size: 1.5rem; margin-top: 0; }
label { display: block; margin: 1rem 0 0.25rem; font-weight: 600; }
input[type=email], input[type=password], input[type=text] { width: 100%; padding: 0.5rem;
  font-size: 1rem; box-sizing: border-box; }
button { margin-top: 1.25rem; padding: 0.6rem 1.2rem; font-size: 1rem; }
.error { color: #a4161a; font-weight: 600; }
.warning { border: 2px solid #b35c00; padding: 1rem; margin-bottom: 1rem; background: #fff4e5; }
ul.scopes { padding-left: 1.25rem; }
:focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }`;

/** A complete HTML page: language, viewport, one heading, nonce-bound style and script. */
export function renderPage(options: PageOptions): string {
  const nonce = escapeHtml(options.nonce);
  const warning = options.idle ? renderIdleWarning(options.idle.minutesLeft) : '';
  const script = options.idle
    ? `<script nonce="${nonce}">${renderIdleScript(options.idle)}</script>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(options.title)} – Ward</title>
<style nonce="${nonce}">${style}</style>
</head>
<body>
<main>
${warning}
<h1>${escapeHtml(options.title)}</h1>
${options.body}
</main>
${script}
</body>
</html>`;
}

/**
 * The page's Content-Security-Policy: nothing loads but the nonce-bound inline style and
 * script; forms post to us only. `formTargets` adds origins a form submission may be
 * redirected to (the app's redirect URI after consent): browsers apply `form-action` to
 * redirects that follow a submission.
 * https://www.w3.org/TR/CSP3/#directive-form-action
 */
export function buildPageCsp(nonce: string, formTargets: readonly string[] = []): string {
  const formAction = ["'self'", ...formTargets].join(' ');
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    `form-action ${formAction}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}
