import { escapeHtml } from './html.ts';
import { renderFlowFields, type FlowFormFields } from './form-parts.ts';
import { renderLogoutForm } from './patient-page.ts';

export interface ConsentView {
  clientName: string;
  scopes: readonly string[];
  /** Patient id in context, when there is one. */
  patient?: string;
}

/** Lists what the app will be granted (requested ∩ allowed) and asks for approval. */
export function renderConsentBody(fields: FlowFormFields, view: ConsentView): string {
  const scopes = view.scopes.map((scope) => `<li><code>${escapeHtml(scope)}</code></li>`).join('');
  const patient = view.patient
    ? `<p>Patient in context: <strong>Patient/${escapeHtml(view.patient)}</strong></p>`
    : '';
  return `<p><strong>${escapeHtml(view.clientName)}</strong> asks for this access:</p>
<ul class="scopes">${scopes}</ul>
${patient}
<form method="post" action="/auth/consent">
${renderFlowFields(fields)}
<button type="submit" name="decision" value="approve">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>
${renderLogoutForm(fields.csrf)}`;
}
