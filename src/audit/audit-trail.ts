import { buildAlertAuditEvent } from './alert-audit-event.ts';
import type { AlertWebhook } from './alert-webhook.ts';
import type { AuditLogger } from './audit-logger.ts';
import type { AuditServer } from './audit-parts.ts';
import type { AuditWriter } from './audit-writer.ts';
import type { BreachDetector, BreachObservation } from './breach-detector.ts';
import type { BreachFinding } from './breach-finding.ts';
import { buildRestAuditEvent, type RestAuditInput } from './rest-audit-event.ts';
import {
  buildSecurityAuditEvent,
  isFailedLogin,
  type SecurityAuditInput,
} from './security-audit-event.ts';

export interface AuditTrailParts {
  writer: AuditWriter;
  server: AuditServer;
  log: AuditLogger;
  detector?: BreachDetector;
  webhook?: AlertWebhook;
}

/**
 * What the request lifecycle and the authorization server call: build the BALP event, store it
 * durably (the caller answers only after this resolves; a rejection is a 503), then run the
 * breach rules over it in the background. A finding becomes a Security Alert AuditEvent, a
 * warning log line without PHI and, when configured, a webhook call.
 */
export class AuditTrail {
  readonly #background = new Set<Promise<void>>();

  constructor(private readonly parts: AuditTrailParts) {}

  /**
   * Audits one RESTful interaction. `records` is how many resources the response returned or
   * exported (a read 1, a search its page size), for the bulk-access rule.
   */
  async recordRest(input: RestAuditInput, records = 0): Promise<string> {
    const id = await this.parts.writer.record(buildRestAuditEvent(input));
    const userId = input.auth?.user?.id;
    if (userId) {
      const at = input.recorded;
      this.#detect({ kind: 'access', userId, address: input.network.address, at, records });
    }
    return id;
  }

  /** Audits one authorization-server or session event. */
  async recordSecurity(input: SecurityAuditInput): Promise<string> {
    const id = await this.parts.writer.record(buildSecurityAuditEvent(input));
    const at = input.recorded;
    if (input.userId && isFailedLogin(input)) {
      this.#detect({ kind: 'failed-login', userId: input.userId, address: input.address, at });
    } else if (input.kind === 'role-change' && input.outcome.status < 400) {
      const userId = input.subjectUserId ?? input.userId;
      if (userId) this.#detect({ kind: 'privilege-change', userId, at });
    } else if (input.kind === 'login' && input.userId && input.outcome.status < 400) {
      const userId = input.userId;
      this.#detect({ kind: 'access', userId, address: input.address, at, records: 0 });
    }
    return id;
  }

  /** Waits for the background rule checks and notifications started so far. */
  async settle(): Promise<void> {
    while (this.#background.size) await Promise.allSettled([...this.#background]);
  }

  #detect(observation: BreachObservation): void {
    const { detector } = this.parts;
    if (!detector) return;
    this.#track(
      detector.observe(observation).then(
        (findings) => Promise.all(findings.map((f) => this.#alert(f))).then(() => undefined),
        (error: unknown) => this.parts.log.error({ err: error }, 'breach rules could not run'),
      ),
    );
  }

  async #alert(finding: BreachFinding): Promise<void> {
    const { log, writer, webhook, server } = this.parts;
    log.warn(
      {
        findingId: finding.id,
        rule: finding.rule,
        severity: finding.severity,
        userId: finding.userId,
        count: finding.count,
        threshold: finding.threshold,
      },
      'security alert',
    );
    if (webhook) this.#track(webhook.notify(finding).then(() => undefined));
    try {
      await writer.record(buildAlertAuditEvent(finding, server));
    } catch (error) {
      log.error({ err: error, findingId: finding.id }, 'security alert could not be audited');
    }
  }

  #track(work: Promise<void>): void {
    this.#background.add(work);
    void work.finally(() => this.#background.delete(work));
  }
}
