/**
 * The sandbox WeCom: the server API under /cgi-bin, the OAuth authorize page, the control API
 * and page under /sandbox. Standalone; it never touches Guidepost's database.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type Router } from 'express';
import { clientRouter } from '../client/router';
import { assetsRouter } from './assets';
import { controlApiRouter } from './control-api';
import { pagesRouter } from './pages';
import { serverApiRouter } from './server-api';
import { SandboxState } from './state';

export interface SandboxOptions {
  port?: number;
  host?: string;
  /** Clock, injectable so tests can move time instead of sleeping. */
  now?: () => number;
  /** Callback retry delays (WeCom: 3 attempts in all). */
  retryDelaysMs?: number[];
  callbackTimeoutMs?: number;
  /** More routers. */
  extraRouters?: Router[];
  /** Where Guidepost serves its sidebar, for the simulated desktop client at /client. */
  appUrl?: string;
}

export interface Sandbox {
  url: string;
  state: SandboxState;
  close(): Promise<void>;
}

export function createSandboxApp(opts: SandboxOptions = {}, state = new SandboxState()): Express {
  const now = opts.now ?? Date.now;
  const app = express();
  app.disable('x-powered-by');
  app.get('/favicon.ico', (_req, res) => void res.status(204).end());
  const delivery = { retryDelaysMs: opts.retryDelaysMs ?? [1000, 2000], timeoutMs: opts.callbackTimeoutMs ?? 5000 };
  app.use(serverApiRouter(state, now, delivery));
  app.use('/sandbox/api', controlApiRouter(state, now, delivery));
  app.use(pagesRouter(state, now));
  app.use(assetsRouter());
  app.use(clientRouter(state, now, { appUrl: opts.appUrl ?? 'http://127.0.0.1:3000' }));
  for (const r of opts.extraRouters ?? []) app.use(r);
  return app;
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const state = new SandboxState();
  const app = createSandboxApp(opts, state);
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    state,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
