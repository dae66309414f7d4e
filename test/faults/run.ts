/**
 * `npm run test:faults [-- --quick] [-- --only <case>] [-- --verbose]`: the fault suite on its own
 * PostgreSQL cluster and Redis. Ends with `RESULT faults runs=<n> lost=<l> doubled=<d>`; exits 1
 * when anything was lost or doubled or another invariant failed.
 */
import { runFaults } from './suite';

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const quick = args.includes('--quick');

let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.on(sig, () => {
    // The stack's exit hook kills the children and the private cluster.
    if (interrupted) process.exit(130);
    interrupted = true;
    process.exit(130);
  });

const t0 = Date.now();
const report = await runFaults((c) => (only ? c.name === only : !quick || c.quick), {
  verbose: args.includes('--verbose'),
});
const failed = report.cases.filter((c) => c.problems.length).map((c) => c.name);
process.stdout.write(
  `${report.runs} fault runs in ${((Date.now() - t0) / 1000).toFixed(0)} s${failed.length ? `; failed: ${failed.join(', ')}` : ''}\n`,
);
process.stdout.write(`RESULT faults runs=${report.runs} lost=${report.lost} doubled=${report.doubled}\n`);
process.exit(failed.length || report.lost || report.doubled ? 1 : 0);
