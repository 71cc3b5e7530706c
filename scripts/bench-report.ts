import type { ScenarioName, ScenarioResult } from './bench-load.ts';

/** Ward over baseline for one scenario; throughput below 1 and CPU above 1 mean Ward costs more. */
export interface ScenarioRatio {
  scenario: ScenarioName;
  throughput: number;
  cpuPerRequest: number;
}

export function computeRatios(results: readonly ScenarioResult[]): ScenarioRatio[] {
  const scenarios = [...new Set(results.map((r) => r.scenario))];
  return scenarios.flatMap((scenario) => {
    const ward = results.find((r) => r.scenario === scenario && r.server === 'ward');
    const baseline = results.find((r) => r.scenario === scenario && r.server === 'baseline');
    if (!ward || !baseline) return [];
    return [
      {
        scenario,
        throughput: ward.requestsPerSecond / baseline.requestsPerSecond,
        cpuPerRequest: ward.serverCpuMicrosPerRequest / baseline.serverCpuMicrosPerRequest,
      },
    ];
  });
}

const headings = [
  ...['scenario', 'server', 'req/s', 'p50 ms', 'p99 ms'],
  ...['CPU µs/req', 'non-2xx', 'errors'],
];

/** A fixed-width text table: one row per run, then one Ward/baseline row per scenario. */
export function formatTable(
  results: readonly ScenarioResult[],
  ratios: readonly ScenarioRatio[],
): string {
  const rows = results.map((r) => [
    r.scenario,
    r.server,
    r.requestsPerSecond.toFixed(0),
    r.latencyP50Ms.toFixed(1),
    r.latencyP99Ms.toFixed(1),
    r.serverCpuMicrosPerRequest.toFixed(0),
    String(r.non2xx),
    String(r.errors),
  ]);
  for (const ratio of ratios) {
    const throughput = `${ratio.throughput.toFixed(2)}x`;
    const cpu = `${ratio.cpuPerRequest.toFixed(2)}x`;
    rows.push([ratio.scenario, 'ward/base', throughput, '', '', cpu, '', '']);
  }

  const widths = headings.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const pad = (cell: string, c: number) =>
    c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!);
  const line = (cells: readonly string[]) => cells.map(pad).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(headings), rule, ...rows.map(line)].join('\n');
}
