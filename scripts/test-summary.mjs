// Prints "N passed, N failed" (and skipped) from vitest's JSON report; exit 1 when it is missing.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'test-results/vitest.json';
try {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`);
  if (r.numTotalTests === 0) process.exit(1);
} catch (err) {
  console.log('0 passed, 1 failed');
  console.error(`no test report at ${file}: ${err.message}`);
  process.exit(1);
}
