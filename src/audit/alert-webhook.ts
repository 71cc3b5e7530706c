import type { AuditLogger } from './audit-logger.ts';
import type { BreachFinding } from './breach-finding.ts';

export interface WebhookOptions {
  url: string;
  /** Attempts in all, the first included. Default 5. */
  maxAttempts?: number;
  /** Delay before the first retry; doubles each time. Default 500 ms. */
  baseDelayMs?: number;
  /** Per attempt. Default 5 s. */
  timeoutMs?: number;
}

/**
 * The JSON a webhook receives: the finding as Ward words it (rule, severity, our user id,
 * counts). Built field by field, so nothing else a finding may one day carry leaks out.
 */
export function toWebhookPayload(finding: BreachFinding): Record<string, unknown> {
  return {
    type: 'ward.security-alert',
    findingId: finding.id,
    rule: finding.rule,
    severity: finding.severity,
    userId: finding.userId,
    description: finding.description,
    detectedAt: finding.detectedAt.toISOString(),
    ...(finding.count !== undefined ? { count: finding.count, threshold: finding.threshold } : {}),
  };
}

/**
 * Posts breach findings to a configured URL, retrying with exponential back-off a bounded
 * number of times. Failures are logged (attempt, status) and never thrown: a missed
 * notification must not fail the request that triggered it, and the finding is in the audit
 * trail anyway. The URL itself is never logged: it may carry a secret.
 */
export class AlertWebhook {
  readonly #options: Required<WebhookOptions>;

  constructor(
    options: WebhookOptions,
    private readonly log: AuditLogger,
  ) {
    this.#options = { maxAttempts: 5, baseDelayMs: 500, timeoutMs: 5000, ...options };
  }

  /** Resolves true once a 2xx answer arrived, false after the last failed attempt. */
  async notify(finding: BreachFinding): Promise<boolean> {
    const { url, maxAttempts, baseDelayMs, timeoutMs } = this.#options;
    const body = JSON.stringify(toWebhookPayload(finding));
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      let status: number | undefined;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        await response.body?.cancel();
        if (response.ok) return true;
        status = response.status;
      } catch (error) {
        this.log.warn(
          { attempt, findingId: finding.id, err: { type: (error as Error).name } },
          'alert webhook unreachable',
        );
      }
      if (status !== undefined) {
        this.log.warn({ attempt, findingId: finding.id, status }, 'alert webhook refused');
      }
      if (attempt < maxAttempts) await sleep(baseDelayMs * 2 ** (attempt - 1));
    }
    this.log.error({ attempts: maxAttempts, findingId: finding.id }, 'alert webhook gave up');
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
