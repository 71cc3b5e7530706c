/**
 * Thresholds of the breach rules. Defaults from HIPAA.md "Breach detection": more than 5 failed
 * logins per user per hour, more than 100 records per user per hour; business hours are the
 * deployer's to set (the default, Monday to Friday 07:00-19:00 UTC, is a placeholder that a
 * deployment names in its configuration).
 */
export interface BreachOptions {
  failedLogins: { threshold: number; windowMs: number };
  recordsAccessed: { threshold: number; windowMs: number };
  /** Days 0 (Sunday) to 6; `start`/`end` as `HH:MM` local time in `timeZone` (IANA). */
  businessHours?: { timeZone: string; days: number[]; start: string; end: string };
  newAddress: boolean;
  privilegeChange: boolean;
}

const hour = 60 * 60 * 1000;

export const defaultBreachOptions: Readonly<BreachOptions> = Object.freeze({
  failedLogins: { threshold: 5, windowMs: hour },
  recordsAccessed: { threshold: 100, windowMs: hour },
  businessHours: { timeZone: 'UTC', days: [1, 2, 3, 4, 5], start: '07:00', end: '19:00' },
  newAddress: true,
  privilegeChange: true,
});

/**
 * Whether `at` falls outside the business hours: on a day not listed, or before `start` or from
 * `end` on, in the configured time zone (so daylight saving time follows the zone's rules).
 */
export function isOutsideBusinessHours(
  at: Date,
  hours: NonNullable<BreachOptions['businessHours']>,
): boolean {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: hours.timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(part('weekday'));
  const minutes = Number(part('hour')) * 60 + Number(part('minute'));
  if (!hours.days.includes(day)) return true;
  return minutes < toMinutes(hours.start) || minutes >= toMinutes(hours.end);
}

function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}
