import type { ScenarioName, ScenarioResult } from './bench-load.ts';

/**
 * One server over another for one scenario: Ward over the bare baseline (issue #2), and Ward
 * audited over Ward unaudited (issue #5 asks for at least 0.80 in throughput). Throughput below 1
 * and CPU above 1 mean the first costs more.
 */
export interface ScenarioRatio {
  scenario: ScenarioName;
  label: string;
  throughput: number;
  cpuPerRequest: number;
}

const comparisons = [
  { label: 'ward/base', over: 'ward', under: 'baseline' },
  { label: 'audit/off', over: 'ward', under: 'ward-unaudited' },
  { label: 'auth/off', over: 'ward', under: 'ward-unauthenticated' },
] as const;

export function computeRatios(results: readonly ScenarioResult[]): ScenarioRatio[] {
  const scenarios = [...new Set(results.map((r) => r.scenario))];
  return scenarios.flatMap((scenario) =>
    comparisons.flatMap(({ label, over, under }) => {
      const a = results.find((r) => r.scenario === scenario && r.server === over);
      const b = results.find((r) => r.scenario === scenario && r.server === under);
      if (!a || !b) return [];
      return [
        {
          scenario,
          label,
          throughput: a.requestsPerSecond / b.requestsPerSecond,
          cpuPerRequest: a.serverCpuMicrosPerRequest / b.serverCpuMicrosPerRequest,
        },
      ];
    }),
  );
}

const headings = [
  ...['scenario', 'server', 'conns', 'req/s', 'p50 ms', 'p99 ms'],
  ...['CPU µs/req', 'non-2xx', 'errors'],
];

/** A fixed-width text table: one row per run, then the ratio rows of each scenario. */
export function formatTable(
  results: readonly ScenarioResult[],
  ratios: readonly ScenarioRatio[],
): string {
  const rows = results.map((r) => [
    r.scenario,
    r.server,
    String(r.connections),
    r.requestsPerSecond.toFixed(1),
    r.latencyP50Ms.toFixed(1),
    r.latencyP99Ms.toFixed(1),
    r.serverCpuMicrosPerRequest.toFixed(0),
    String(r.non2xx),
    String(r.errors),
  ]);
  for (const ratio of ratios) {
    const throughput = `${ratio.throughput.toFixed(2)}x`;
    const cpu = `${ratio.cpuPerRequest.toFixed(2)}x`;
    rows.push([ratio.scenario, ratio.label, '', throughput, '', '', cpu, '', '']);
  }

  const widths = headings.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const pad = (cell: string, c: number) =>
    c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!);
  const line = (cells: readonly string[]) => cells.map(pad).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(headings), rule, ...rows.map(line)].join('\n');
}
