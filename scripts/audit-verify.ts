/**
 * `npm run audit:verify`: walks every audit writer's hash chain and the signed checkpoints and
 * reports each AuditEvent inserted, removed or altered in the database, by chain position
 * (`writer/seq`) and AuditEvent id. Exit status 0 when the trail is intact, 1 on any finding,
 * 2 when the check could not run. `--json` prints the whole result as JSON instead.
 *
 * Needs the same configuration as the server (MONGODB_URI or the embedded engine under
 * DATA_DIR, and the master key): the chain and checkpoint keys derive from the master key.
 * Prints our own ids and positions only, never event content.
 */
import pino from 'pino';
import { deriveAuditKeys } from '../src/audit/audit-keys.ts';
import { verifyAuditTrail, type TamperFinding } from '../src/audit/audit-verify.ts';
import { loadConfig } from '../src/config/config.ts';
import { openWard } from '../src/open-ward.ts';

async function main(): Promise<number> {
  const asJson = process.argv.includes('--json');
  const config = loadConfig(process.env);
  const log = pino({ level: 'warn' }, pino.destination(2));
  const ward = await openWard(config, log);
  try {
    const result = await verifyAuditTrail(ward.db, deriveAuditKeys(ward.masterKey));
    if (asJson) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      for (const w of result.writers) {
        const unsealed = w.lastSeq - w.checkpointSeq;
        process.stdout.write(
          `writer ${w.writer}: ${w.events} events, last seq ${w.lastSeq}, ` +
            `checkpoint at ${w.checkpointSeq}${unsealed ? ` (${unsealed} after it)` : ''}\n`,
        );
      }
      for (const finding of result.findings) process.stdout.write(`${formatFinding(finding)}\n`);
      process.stdout.write(
        result.ok ? 'audit trail intact\n' : `${result.findings.length} finding(s)\n`,
      );
    }
    return result.ok ? 0 : 1;
  } finally {
    await ward.close();
  }
}

function formatFinding(f: TamperFinding): string {
  const position = f.writer ? `${f.writer}/${f.seq}` : '-';
  const when = f.sealed ? 'before the last checkpoint' : 'after the last checkpoint';
  const id = f.auditEventId ? `AuditEvent/${f.auditEventId}` : '-';
  return `${f.kind.toUpperCase()} ${f.collection} ${position} ${id} (${when}): ${f.detail}`;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    // The message may quote configuration or driver text; the type is enough to act on.
    process.stderr.write(
      `audit:verify could not run: ${(err as Error).name}: ${
        (err as Error).message.startsWith('invalid configuration')
          ? (err as Error).message
          : 'see logs'
      }\n`,
    );
    process.exit(2);
  },
);
