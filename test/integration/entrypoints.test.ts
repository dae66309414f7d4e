import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useTestContext } from '../helpers/context';

const t = useTestContext();
const TSX = 'node_modules/.bin/tsx';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('entry points', () => {
  it.each(['api/main.ts', 'workers/main.ts'])(
    '%s stops on bad configuration with one line naming the variable',
    (entry) => {
      const r = spawnSync(TSX, [entry], {
        env: { ...process.env, PORT: 'eighty', REDIS_URL: 'redis://127.0.0.1:6379' },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(r.status).toBe(1);
      const lines = r.stderr
        .trim()
        .split('\n')
        .filter((l) => !l.includes('nodedir'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^invalid configuration: PORT: /);
      expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    },
  );

  it('api serves /healthz and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(TSX, ['api/main.ts'], {
      env: { ...process.env, PORT: String(port), DATABASE_URL: t.ctx.cfg.DATABASE_URL, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    // Wait for the listening log line rather than polling.
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('api listening')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`api exited early (${code}): ${out}`)));
    });
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('workers start, then finish and exit 0 on SIGTERM', async () => {
    const child = spawn(TSX, ['workers/main.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: t.ctx.cfg.DATABASE_URL,
        QUEUE_PREFIX: t.ctx.queues.prefix,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('workers started')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`workers exited early (${code}): ${out}`)));
    });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
