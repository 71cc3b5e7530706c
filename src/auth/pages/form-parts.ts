import { escapeHtml, renderHiddenField } from './html.ts';

/** What every form of the flow carries: the pending authorization request and the CSRF token. */
export interface FlowFormFields {
  requestId: string;
  csrf: string;
}

export function renderFlowFields(fields: FlowFormFields): string {
  return renderHiddenField('request', fields.requestId) + renderHiddenField('csrf', fields.csrf);
}

/** A message above the form; `role="alert"` so assistive technology reads it out. */
export function renderMessage(message: string | undefined): string {
  return message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : '';
}
