import { createServer } from 'node:http';
import { loadConfigOrExit } from '../core/config/env';
import { closeContext, createContext } from '../core/context';
import { createApp } from './app';

const cfg = loadConfigOrExit();
const ctx = createContext(cfg, 'api');
const app = createApp(ctx);
const server = createServer(app);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  ctx.logger.info({ signal }, 'api shutting down: finishing in-flight requests');
  const force = setTimeout(() => process.exit(1), 15_000).unref();
  server.close(async () => {
    await closeContext(ctx);
    clearTimeout(force);
    process.exit(0);
  });
  server.closeIdleConnections();
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
// Listen once the handlers are in place: a signal right after start-up still closes gracefully.
server.listen(cfg.PORT, cfg.HOST, () => ctx.logger.info({ url: cfg.publicUrl }, 'api listening'));
