import type { Db } from 'mongodb';
import { auditCollectionNames } from './audit-documents.ts';
import type { FindingDocument } from './breach-detector.ts';
import type { BreachRule, Severity } from './breach-finding.ts';

const weights: Record<Severity, number> = { low: 10, medium: 25, high: 50 };

/** Risk levels and what an administrator should do at each (HIPAA.md, "Breach detection"). */
const levels = [
  { below: 1, level: 'none', action: 'no action' },
  { below: 25, level: 'low', action: 'monitor the user’s activity' },
  { below: 50, level: 'medium', action: 'review the user’s recent audit trail with the user' },
  {
    below: 75,
    level: 'high',
    action: 'require MFA re-verification and notify the privacy officer',
  },
  {
    below: Infinity,
    level: 'critical',
    action: 'suspend the account and start the incident response procedure',
  },
] as const;

export interface UserRisk {
  userId: string;
  /** 0-100: the weighted findings of the window (low 10, medium 25, high 50), capped. */
  score: number;
  level: (typeof levels)[number]['level'];
  recommendedAction: string;
  since: Date;
  findings: Array<{
    id: string;
    rule: BreachRule;
    severity: Severity;
    at: Date;
    description: string;
  }>;
}

/**
 * A user's risk from the breach findings of the last `windowDays` days (default 30), newest
 * first. Our own ids and wording only, so the admin endpoint may show it as is.
 */
export async function getUserRisk(
  db: Db,
  userId: string,
  options: { now?: Date; windowDays?: number } = {},
): Promise<UserRisk> {
  const now = options.now ?? new Date();
  const since = new Date(now.getTime() - (options.windowDays ?? 30) * 24 * 60 * 60 * 1000);
  const docs = await db
    .collection<FindingDocument>(auditCollectionNames.findings)
    .find({ user: userId, at: { $gte: since, $lte: now } })
    .sort({ at: -1 })
    .toArray();
  const score = Math.min(
    100,
    docs.reduce((sum, d) => sum + weights[d.severity], 0),
  );
  const { level, action } = levels.find((l) => score < l.below)!;
  return {
    userId,
    score,
    level,
    recommendedAction: action,
    since,
    findings: docs.map((d) => ({
      id: d._id,
      rule: d.rule,
      severity: d.severity,
      at: d.at,
      description: d.description,
    })),
  };
}
