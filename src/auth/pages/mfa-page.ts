import { renderFlowFields, renderMessage, type FlowFormFields } from './form-parts.ts';

/** The TOTP code from the user's authenticator app. */
export function renderMfaBody(fields: FlowFormFields, message?: string): string {
  return `${renderMessage(message)}
<p>Enter the 6-digit code from your authenticator app.</p>
<form method="post" action="/auth/mfa">
${renderFlowFields(fields)}
<label for="code">Authentication code</label>
<input id="code" name="code" type="text" inputmode="numeric" pattern="[0-9]{6}" maxlength="6"
  autocomplete="one-time-code" required autofocus>
<button type="submit">Verify</button>
</form>`;
}
