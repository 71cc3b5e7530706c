/** The breach rules (HIPAA.md, "Breach detection"). */
export const breachRules = {
  failedLogins: 'failed-logins',
  bulkAccess: 'bulk-access',
  offHours: 'off-hours-access',
  newAddress: 'new-address',
  privilegeChange: 'privilege-change',
} as const;
export type BreachRule = (typeof breachRules)[keyof typeof breachRules];

export const severities = { low: 'low', medium: 'medium', high: 'high' } as const;
export type Severity = keyof typeof severities;

/**
 * One finding of a breach rule. Carries our own ids, counts and our own wording only: it goes
 * to logs and to a webhook outside the BAA boundary, so never a patient, an address or a query.
 */
export interface BreachFinding {
  /** Stable id: the rule, the user and the window, so processes raise each finding once. */
  id: string;
  rule: BreachRule;
  severity: Severity;
  userId: string;
  description: string;
  detectedAt: Date;
  /** For counting rules: what was counted in the window and the configured threshold. */
  count?: number;
  threshold?: number;
}
