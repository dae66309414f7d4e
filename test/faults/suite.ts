import { cases, type FaultCase } from './cases';
import { FaultStack } from './stack';
import { settle, verify, type Verdict } from './tenant';

export interface CaseReport extends Verdict {
  name: string;
  ms: number;
}

export interface SuiteReport {
  runs: number;
  lost: number;
  doubled: number;
  cases: CaseReport[];
}

/** Runs one case on a running stack: strike, settle, check. Never throws: a failure is in the report. */
export async function runCase(stack: FaultStack, c: FaultCase, log: (line: string) => void): Promise<CaseReport> {
  const t0 = Date.now();
  log(`case ${c.name}: ${c.what}`);
  const r: CaseReport = { name: c.name, ms: 0, lost: 0, doubled: 0, problems: [] };
  try {
    if (!stack.running('api')) await stack.startProcess('api');
    if (!stack.running('workers')) await stack.startProcess('workers');
    const out = await c.run(stack);
    r.problems.push(...out.notes);
    const stuck = await settle(stack, out.t, out.settleMs);
    if (stuck) r.problems.push(`queues did not settle ${stuck}`);
    if (out.after) {
      await out.after();
      await settle(stack, out.t, 30_000);
    }
    const v = await verify(stack, out.t, out.exp);
    r.lost += v.lost;
    r.doubled += v.doubled;
    r.problems.push(...v.problems);
  } catch (err) {
    r.problems.push(`case failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  r.ms = Date.now() - t0;
  log(`  ${r.problems.length ? 'FAIL' : 'ok'} in ${(r.ms / 1000).toFixed(1)} s: lost=${r.lost} doubled=${r.doubled}`);
  for (const p of r.problems) log(`    ${p}`);
  return r;
}

/**
 * Starts a private stack, runs the chosen cases one after another (each on its own tenant), checks
 * the invariants after each, and always tears the stack down.
 */
export async function runFaults(
  pick: (c: FaultCase) => boolean,
  opts: { log?: (line: string) => void; verbose?: boolean } = {},
): Promise<SuiteReport> {
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const stack = new FaultStack({ log, verbose: opts.verbose });
  const report: SuiteReport = { runs: 0, lost: 0, doubled: 0, cases: [] };
  try {
    await stack.start();
    await stack.startProcess('api');
    await stack.startProcess('workers');
    for (const c of cases.filter(pick)) {
      const r = await runCase(stack, c, log);
      report.runs++;
      report.lost += r.lost;
      report.doubled += r.doubled;
      report.cases.push(r);
    }
  } finally {
    await stack.stop();
  }
  return report;
}
