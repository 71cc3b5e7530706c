/** When the page warns and when it reloads, in milliseconds after it loaded. */
export interface IdleTimers {
  warnAfterMs: number;
  reloadAfterMs: number;
}

/**
 * The one inline script: warns before the server ends an idle session (HIPAA.md "Automatic
 * logoff", warn at 13 of 15 minutes) and reloads the page when the session is over, so the
 * browser shows the login page rather than a stale form. The server enforces the timeout
 * itself; this only tells the user. "Stay signed in" reloads the page, which counts as
 * activity at the server.
 */
export function renderIdleScript(timers: IdleTimers): string {
  const warnAfterMs = Math.max(0, Math.floor(timers.warnAfterMs));
  const reloadAfterMs = Math.max(0, Math.floor(timers.reloadAfterMs));
  return `
(function () {
  var warning = document.getElementById('idle-warning');
  var stay = document.getElementById('idle-stay');
  if (!warning || !stay) return;
  stay.addEventListener('click', function () { window.location.reload(); });
  setTimeout(function () { warning.hidden = false; stay.focus(); }, ${warnAfterMs});
  setTimeout(function () { window.location.reload(); }, ${reloadAfterMs});
})();`;
}

/** The warning the script reveals; an alert so screen readers announce it. */
export function renderIdleWarning(minutesLeft: number): string {
  return `<div id="idle-warning" class="warning" role="alert" hidden>
  <p>You have been inactive. For your security you will be signed out in ${minutesLeft}
  minutes.</p>
  <button type="button" id="idle-stay">Stay signed in</button>
</div>`;
}
