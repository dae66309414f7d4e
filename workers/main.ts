import { loadConfigOrExit } from '../core/config/env';
import { closeContext, createContext } from '../core/context';
import { startWorkers } from './runtime';
import { installSchedules, keepSchedules } from './schedules';

const cfg = loadConfigOrExit();
const ctx = createContext(cfg, 'workers');
const running = startWorkers(ctx);

// Handlers first: a signal that arrives while the schedules install still finishes the active jobs.
/** What to stop before the workers close (the schedule keeper, once it runs). */
const stoppers: (() => void)[] = [];
let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  ctx.logger.info({ signal }, 'workers shutting down: finishing active jobs');
  const force = setTimeout(() => process.exit(1), 30_000).unref();
  for (const stop of stoppers) stop();
  await running.close();
  await closeContext(ctx);
  clearTimeout(force);
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

await installSchedules(ctx);
// Redis may come back empty (a restart without persistence, a failover): the schedules come back with it.
stoppers.push(keepSchedules(ctx).stop);
ctx.logger.info({ queues: running.workers.map((w) => w.name) }, 'workers started');
