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

const headings = ['scenario', 'server', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'non-2xx', 'errors'];

/** A fixed-width text table: one row per run, then one Ward/baseline row per scenario. */
export function formatTable(results: readonly ScenarioResult[], ratios: readonly ScenarioRatio[]) {
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
    const cpu = `${ratio.cpuPerRequest.toFixed(2)}x`;
    rows.push([ratio.scenario, 'ward/base', `${ratio.throughput.toFixed(2)}x`, '', '', cpu, '', '']);
  }

  const widths = headings.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(headings), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
