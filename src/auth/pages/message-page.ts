import { escapeHtml } from './html.ts';

/** A page that only says something: errors that must not redirect, signed-out notices. */
export function renderMessageBody(message: string): string {
  return `<p role="alert">${escapeHtml(message)}</p>`;
}
