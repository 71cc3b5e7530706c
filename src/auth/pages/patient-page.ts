import { renderFlowFields, renderMessage, type FlowFormFields } from './form-parts.ts';

/**
 * Patient picker for a standalone launch with `launch/patient`. Clinicians type a Patient id:
 * Ward has no care-team model yet to list "their" patients, and a name search here would put
 * patient names into this page's URL and logs.
 */
export function renderPatientBody(fields: FlowFormFields, message?: string): string {
  return `${renderMessage(message)}
<p>The app asks to work with one patient's record. Choose the patient.</p>
<form method="post" action="/auth/patient">
${renderFlowFields(fields)}
<label for="patient">Patient id</label>
<input id="patient" name="patient" type="text" autocomplete="off" required autofocus
  pattern="[A-Za-z0-9.\\-]{1,64}">
<button type="submit">Continue</button>
</form>
${renderLogoutForm(fields.csrf)}`;
}

export function renderLogoutForm(csrf: string): string {
  return `<form method="post" action="/auth/logout">
<input type="hidden" name="csrf" value="${csrf.replace(/[^A-Za-z0-9_-]/g, '')}">
<button type="submit">Sign out</button>
</form>`;
}
