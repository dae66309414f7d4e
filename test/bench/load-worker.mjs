// Load generator for the HTTP benchmarks: autocannon on its own thread, so it does not share the
// server's event loop. workerData: { users, warmupMs, seconds, rounds, targets: [{ base, calls: [[{ path, headers }...] per pair] }] }
// Each request sequence takes the next pair (round robin over all pairs, whichever connection
// is free) and makes that pair's calls in order. autocannon clears a connection's context when
// its sequence starts over, so the pair is taken afresh at each sequence's first call.
// With several targets, each is warmed up, then the measured time is split into rounds that
// alternate between the targets, so a machine that speeds up or slows down during the run
// weighs on every target alike; each target's rounds are aggregated into one result.
import { parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';
import autocannon from 'autocannon';

// autocannon reports no 95th percentile: decode the rounds' latency histograms and read it there.
const { decodeHist } = createRequire(import.meta.url)('autocannon/lib/histUtil');
const p95Of = (results) => {
  const [first, ...rest] = results.map((r) => decodeHist(r.latencies));
  for (const h of rest) first.add(h);
  return first.getValueAtPercentile(95);
};

const { users, warmupMs, seconds, rounds, targets } = workerData;

function run({ base, calls }, duration) {
  const perPair = calls[0].length;
  let next = 0;
  const requests = Array.from({ length: perPair }, (_, j) => ({
    setupRequest: (req, context) => {
      if (j === 0 || context.k === undefined) context.k = next++ % calls.length;
      const c = calls[context.k][j];
      return { ...req, method: 'GET', path: c.path, headers: { ...req.headers, ...c.headers } };
    },
  }));
  return new Promise((resolve, reject) => {
    autocannon({ url: base, connections: users, pipelining: 1, duration, requests, timeout: 30 }, (err, r) =>
      err ? reject(err) : resolve(r),
    );
  });
}

for (const t of targets) await run(t, Math.max(1, Math.round(warmupMs / 1000)));
const raw = targets.map(() => []);
const perRound = Math.max(1, Math.round(seconds / rounds));
for (let r = 0; r < rounds; r++) {
  for (const [i, t] of targets.entries()) raw[i].push(await run(t, perRound));
}
parentPort.postMessage(
  targets.map((t, i) => {
    // Off the main thread autocannon hands back raw histograms; aggregate them as it does itself.
    const a = autocannon.aggregateResult(raw[i], {
      connections: users,
      pipelining: 1,
      duration: perRound * rounds,
      url: t.base,
    });
    const errors = a.errors + a.timeouts + a.non2xx;
    return {
      requests: a.requests.total,
      rps: a.requests.total / (perRound * rounds),
      p50: a.latency.p50,
      p95: p95Of(raw[i]),
      p99: a.latency.p99,
      errors,
      firstError: errors ? `${a.non2xx} non-2xx, ${a.errors} errors, ${a.timeouts} timeouts` : '',
    };
  }),
);
