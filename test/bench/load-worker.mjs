// Load generator for the HTTP benchmarks: autocannon on its own thread, so it does not share the
// server's event loop. workerData: { base, users, warmupMs, seconds, calls: [[{ path, headers }...] per pair] }
// Each connection walks the pairs from its own offset and makes that pair's calls in order.
import { parentPort, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';

const { base, users, warmupMs, seconds, calls } = workerData;
const perPair = calls[0].length;
let nextConn = 0;

function run(duration) {
  const requests = Array.from({ length: perPair }, (_, j) => ({
    setupRequest: (req, context) => {
      if (context.k === undefined) context.k = Math.floor(((nextConn++ % users) * calls.length) / users);
      const c = calls[context.k % calls.length][j];
      if (j === perPair - 1) context.k++;
      return { ...req, method: 'GET', path: c.path, headers: { ...req.headers, ...c.headers } };
    },
  }));
  return new Promise((resolve, reject) => {
    autocannon({ url: base, connections: users, pipelining: 1, duration, requests, timeout: 30 }, (err, r) => (err ? reject(err) : resolve(r)));
  });
}

await run(Math.max(1, Math.round(warmupMs / 1000)));
// Off the main thread autocannon hands back raw histograms; aggregate them as it does itself.
const r = autocannon.aggregateResult([await run(seconds)], { connections: users, pipelining: 1, duration: seconds, url: base });
const errors = r.errors + r.timeouts + r.non2xx;
parentPort.postMessage({
  requests: r.requests.total,
  rps: r.requests.total / seconds,
  p50: r.latency.p50,
  p99: r.latency.p99,
  errors,
  firstError: errors ? `${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts` : '',
});
