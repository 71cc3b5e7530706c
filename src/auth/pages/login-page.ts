import { renderFlowFields, renderMessage, type FlowFormFields } from './form-parts.ts';

/** E-mail and password, the first step of the flow. */
export function renderLoginBody(fields: FlowFormFields, message?: string): string {
  return `${renderMessage(message)}
<form method="post" action="/auth/login">
${renderFlowFields(fields)}
<label for="email">E-mail</label>
<input id="email" name="email" type="email" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`;
}
