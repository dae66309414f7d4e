/**
 * Demo orchestrator: migrate, build the sidebar, start the sandbox WeCom, seed the demo tenant
 * (once; re-runs keep data) and push it to the sandbox, then run api and workers until Ctrl-C.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { prettyFactory } from 'pino-pretty';
import { loadConfigOrExit } from '../core/config/env';
import { createDb } from '../core/db/knex';
import { createRedis } from '../core/redis';

const cfg = loadConfigOrExit();
const children: ChildProcess[] = [];
const colours = { sandbox: 35, api: 36, workers: 33 } as const;
// The processes log JSON (what production ships); a person watching the demo reads it pretty.
const pretty = prettyFactory({
  colorize: process.stdout.isTTY,
  translateTime: 'SYS:HH:MM:ss',
  ignore: 'pid,hostname,svc,name',
  singleLine: true,
});
const readable = (line: string): string => (line.startsWith('{') ? pretty(line).trimEnd() : line);

function run(step: string, cmd: string, args: string[]): void {
  console.log(`[demo] ${step}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env });
  if (r.status !== 0) {
    console.error(`[demo] ${step} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

function start(name: keyof typeof colours, script: string): ChildProcess {
  const child = spawn('node_modules/.bin/tsx', [script], {
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tag = `\x1b[${colours[name]}m${name.padEnd(7)}\x1b[0m│ `;
  const pipe = (s: NodeJS.ReadableStream) => {
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        process.stdout.write(tag + readable(buf.slice(0, i)) + '\n');
        buf = buf.slice(i + 1);
      }
    });
  };
  pipe(child.stdout!);
  pipe(child.stderr!);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[demo] ${name} exited (${code ?? signal}); stopping`);
      void stop(1);
    }
  });
  children.push(child);
  return child;
}

async function waitFor(url: string, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(url);
      if (r.status < 500) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not come up at ${url}`);
}

let stopping = false;
async function stop(code: number): Promise<void> {
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r)))));
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

/**
 * The sandbox WeCom starts empty on every run, so access tokens and JS-SDK tickets a previous run
 * cached in Redis name nothing it issued: a stale agent ticket would make every sidebar's
 * agentConfig fail with "invalid signature". Real WeCom never forgets; the demo forgets with it.
 */
async function forgetCachedWecomCredentials(): Promise<void> {
  const redis = createRedis(cfg.REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${cfg.QUEUE_PREFIX}:wecom:*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

const sandboxUrl = `http://${cfg.HOST}:${cfg.SANDBOX_PORT}`;
run('migrating the database', 'node_modules/.bin/tsx', ['scripts/db.ts', 'migrate']);
run('building the sidebar', 'node_modules/.bin/vite', [
  'build',
  '--config',
  'sidebar/vite.config.ts',
  '--logLevel',
  'warn',
]);
start('sandbox', 'sandbox/main.ts');
await waitFor(`${sandboxUrl}/sandbox/api/corps`, 'the sandbox WeCom');
await forgetCachedWecomCredentials();
run('seeding the demo tenant and pushing it to the sandbox', 'node_modules/.bin/tsx', [
  'sandbox/seed/cli.ts',
  '--scale',
  'demo',
  '--sandbox-url',
  sandboxUrl,
]);
// The sandbox desktop client injects its WeixinJSBridge into the sidebar, as WeCom's client does.
process.env.WECOM_JS_BRIDGE_URL ??= `${sandboxUrl}/client/bridge.js`;
// A transfer paid in the sandbox reaches 我的业绩 within about a minute, not five.
process.env.WECOM_BILL_POLL_SECONDS ??= '30';
start('api', 'api/main.ts');
start('workers', 'workers/main.ts');
await waitFor(`${cfg.publicUrl}/healthz`, 'the API');

const db = createDb(cfg.DATABASE_URL, { pool: { min: 0, max: 1 } });
const wang = await db('customers as c')
  .join('corps as k', 'k.id', 'c.corp_id')
  .where({ 'k.wecom_corp_id': 'wwdemo0001guidepost', 'c.name': '王雅琴' })
  .first<{ external_userid: string } | undefined>('c.external_userid');
await db.destroy();
const client = `${sandboxUrl}/client/?corp=wwdemo0001guidepost&user=licui${wang ? `&chat=${wang.external_userid}` : ''}`;

console.log(`
  Guidepost is running on the sandbox WeCom.

  ▶ WeCom desktop client (sandbox) with the guide sidebar — 李翠 chatting with 王雅琴:
    ${client}

  Sandbox WeCom controls (scan a store QR, pay a guide, edit tags):  ${sandboxUrl}/sandbox/
  Sign in as a guide (WeCom OAuth on the sandbox; pick 李翠):            ${cfg.publicUrl}/api/auth/wecom/start?corp=wwdemo0001guidepost&redirect=/api/guide/customers
    → her customers, newest first: scan a store QR in the controls and reload
  ▶ Boards, finance and the brand admin console in a desktop browser (WeCom web login on the sandbox:
    "scan as" 总部运营 zongbu, 华东区经理 rm_east, 店长 sm0001, 财务 caiwu or 系统管理员 admin — 品牌管理):
    ${cfg.publicUrl}/boards.html?corp=wwdemo0001guidepost
    (the WeCom workbench home page: ${cfg.publicUrl}/api/auth/wecom/start?corp=wwdemo0001guidepost&redirect=/boards.html?corp=wwdemo0001guidepost)
  Health:                                                              ${cfg.publicUrl}/healthz

  Ctrl-C stops everything.
`);
