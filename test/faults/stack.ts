/**
 * The fault suite's own infrastructure: a private PostgreSQL cluster (initdb into a temp dir, on a
 * free port) and a private redis-server, plus the API and worker processes pointed at them and an
 * in-process sandbox WeCom. Stopping, killing or restarting any of these never touches the
 * machine's main PostgreSQL (5432) or Redis (6379). `stop()` tears everything down, and an exit
 * hook does the same should the runner die first.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, createWriteStream, mkdtempSync, readdirSync, rmSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { SecretBox } from '../../core/crypto/secret-box';
import { createDb, type Db } from '../../core/db/knex';
import { migrateLatest } from '../../core/db/migrate';
import { QUEUES } from '../../core/jobs/job';
import { JobQueues } from '../../core/jobs/queues';
import { startSandbox, type Sandbox } from '../../sandbox/wecom/server';

const PREFIX = 'gpf';
/** The development default every process here uses (core/config/env.ts). */
const SECRETS_KEY = '0000000000000000000000000000000000000000000000000000000000000000';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value other than undefined, or throws naming `what`. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`,
      );
    await sleep(100);
  }
}

function pgBin(name: string): string {
  const versions = readdirSync('/usr/lib/postgresql')
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  if (!versions.length) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql');
  return `/usr/lib/postgresql/${versions[0]}/bin/${name}`;
}

const asRoot = process.getuid?.() === 0;

/** initdb and the server refuse root: run them as the postgres OS user when we are root. */
function runPg(args: string[], timeoutMs = 60_000): void {
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', ...args]] : [args[0]!, args.slice(1)];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: timeoutMs });
  if (r.status !== 0) throw new Error(`${args.slice(0, 2).join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
}

type Role = 'api' | 'workers';

export interface StackOptions {
  /** Log lines of the child processes go to files in the temp dir; `verbose` echoes them too. */
  verbose?: boolean;
  log?: (line: string) => void;
}

export class FaultStack {
  readonly dir = mkdtempSync(join(tmpdir(), 'gp-faults-'));
  pgPort = 0;
  redisPort = 0;
  apiPort = 0;
  sandbox!: Sandbox;
  db!: Db;
  queues!: JobQueues;
  readonly secrets = new SecretBox(SECRETS_KEY);
  private redisConn?: Redis;
  private redisProc?: ChildProcess;
  private readonly children = new Map<Role, ChildProcess>();
  private readonly logs = new Map<Role, WriteStream>();
  private pgRunning = false;
  private readonly onExit = () => this.killAllSync();
  private readonly log: (line: string) => void;

  constructor(private readonly opts: StackOptions = {}) {
    this.log = opts.log ?? ((l) => process.stdout.write(`${l}\n`));
    process.once('exit', this.onExit);
  }

  get pgData(): string {
    return join(this.dir, 'pg');
  }
  get databaseUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.pgPort}/guidepost`;
  }
  get redisUrl(): string {
    return `redis://127.0.0.1:${this.redisPort}`;
  }
  get apiUrl(): string {
    return `http://127.0.0.1:${this.apiPort}`;
  }

  async start(): Promise<void> {
    const t0 = Date.now();
    if (asRoot) chownSync(this.dir, uidOf('postgres'), gidOf('postgres'));
    [this.pgPort, this.redisPort, this.apiPort] = await Promise.all([freePort(), freePort(), freePort()]);
    runPg([
      pgBin('initdb'),
      '-D',
      this.pgData,
      '-A',
      'trust',
      '-U',
      'postgres',
      '--no-sync',
      '-E',
      'UTF8',
      '--locale=C',
    ]);
    this.startPg();
    const admin = createDb(`postgres://postgres@127.0.0.1:${this.pgPort}/postgres`, { pool: { min: 0, max: 1 } });
    await admin.raw('create database guidepost');
    await admin.destroy();
    this.db = createDb(this.databaseUrl, { pool: { min: 0, max: 4 } });
    await migrateLatest(this.db);
    await this.startRedis();
    this.sandbox = await startSandbox({ retryDelaysMs: [200, 400], callbackTimeoutMs: 3000 });
    this.log(`  stack up in ${Date.now() - t0} ms: pg :${this.pgPort}, redis :${this.redisPort}, dir ${this.dir}`);
  }

  // PostgreSQL ---------------------------------------------------------------------------------

  startPg(): void {
    runPg([
      pgBin('pg_ctl'),
      '-D',
      this.pgData,
      '-l',
      join(this.dir, 'pg.log'),
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${this.pgPort} -h 127.0.0.1 -k ${this.dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`,
      'start',
    ]);
    this.pgRunning = true;
  }

  stopPg(mode: 'fast' | 'immediate' = 'fast'): void {
    runPg([pgBin('pg_ctl'), '-D', this.pgData, '-m', mode, '-w', '-t', '60', 'stop']);
    this.pgRunning = false;
  }

  // Redis --------------------------------------------------------------------------------------

  async startRedis(): Promise<void> {
    const proc = spawn(
      'redis-server',
      ['--port', String(this.redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir],
      { stdio: 'ignore' },
    );
    this.redisProc = proc;
    const probe = new Redis(this.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await waitFor('redis-server to answer', 15_000, async () => {
        if (proc.exitCode !== null) throw new Error(`redis-server exited (${proc.exitCode})`);
        if (probe.status !== 'ready') await probe.connect().catch(() => undefined);
        return (await probe.ping()) === 'PONG' ? true : undefined;
      });
    } finally {
      probe.disconnect();
    }
    if (!this.redisConn) {
      this.redisConn = new Redis(this.redisUrl, { maxRetriesPerRequest: null });
      this.redisConn.on('error', () => undefined);
      this.queues = new JobQueues(this.redisConn, PREFIX);
      // Redis going away is the point of some cases: the queues' connection errors are expected.
      for (const q of QUEUES) this.queues.queue(q).on('error', () => undefined);
    }
  }

  /** Redis dies (SIGKILL: nothing saved, as a crashed or replaced server) and comes back empty. */
  async restartRedis(downMs = 1_000): Promise<void> {
    await this.killProc(this.redisProc, 'SIGKILL');
    await sleep(downMs);
    await this.startRedis();
  }

  // API and workers ----------------------------------------------------------------------------

  private env(extra: Record<string, string>): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith('GP_FAULT_')) delete env[k];
    return {
      ...env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: this.databaseUrl,
      DATABASE_POOL_MAX: '8',
      REDIS_URL: this.redisUrl,
      QUEUE_PREFIX: PREFIX,
      HOST: '127.0.0.1',
      PORT: String(this.apiPort),
      WECOM_API_BASE: this.sandbox.url,
      WECOM_OAUTH_BASE: this.sandbox.url,
      WECOM_BILL_POLL_SECONDS: '10',
      SECRETS_KEY,
      ...extra,
    };
  }

  /** Starts `api/main.ts` or `workers/main.ts` and resolves once it says it is up. */
  async startProcess(role: Role, extraEnv: Record<string, string> = {}): Promise<void> {
    if (this.running(role)) throw new Error(`${role} already running`);
    // One node process with tsx's loader (not the tsx CLI, which runs the code in a child process
    // that a kill -9 of the CLI would leave running).
    const child = spawn(process.execPath, ['--import', 'tsx', role === 'api' ? 'api/main.ts' : 'workers/main.ts'], {
      env: this.env(extraEnv),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.set(role, child);
    let file = this.logs.get(role);
    if (!file) this.logs.set(role, (file = createWriteStream(join(this.dir, `${role}.log`), { flags: 'a' })));
    const ready = role === 'api' ? 'api listening' : 'workers started';
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => reject(new Error(`${role} not up after 45 s: ${seen.slice(-2000)}`)), 45_000);
      const onData = (d: Buffer) => {
        file.write(d);
        if (this.opts.verbose) process.stdout.write(`[${role}] ${d.toString()}`);
        if (seen.length < 100_000) seen += d.toString();
        if (seen.includes(ready)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code, sig) => {
        clearTimeout(timer);
        reject(new Error(`${role} exited before it was up (${code ?? sig}): ${seen.slice(-2000)}`));
      });
    });
  }

  running(role: Role): boolean {
    return this.children.get(role)?.exitCode === null && this.children.get(role)?.signalCode === null;
  }

  /** Resolves when the process has exited (it may exit by itself, e.g. at a fault point). */
  exited(role: Role, timeoutMs = 30_000): Promise<void> {
    const child = this.children.get(role);
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${role} still running after ${timeoutMs} ms`)), timeoutMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async kill(role: Role, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.killProc(this.children.get(role), signal);
  }

  private async killProc(proc: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill(signal);
    await Promise.race([gone, sleep(20_000).then(() => proc.kill('SIGKILL'))]);
    await gone;
  }

  /** Everything down and the temp dir removed; safe to call twice and after failures. */
  async stop(): Promise<void> {
    for (const role of ['api', 'workers'] as const) await this.kill(role, 'SIGKILL').catch(() => undefined);
    for (const f of this.logs.values()) f.end();
    await this.sandbox?.close().catch(() => undefined);
    await this.queues?.close().catch(() => undefined);
    this.redisConn?.disconnect();
    await this.db?.destroy().catch(() => undefined);
    await this.killProc(this.redisProc, 'SIGKILL').catch(() => undefined);
    if (this.pgRunning) {
      try {
        this.stopPg('immediate');
      } catch {
        // killAllSync below
      }
    }
    this.killAllSync();
    process.off('exit', this.onExit);
  }

  /** Last resort, synchronous (an exit hook): kill what is left and remove the temp dir. */
  private killAllSync(): void {
    for (const c of this.children.values()) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    if (this.redisProc && this.redisProc.exitCode === null) this.redisProc.kill('SIGKILL');
    if (this.pgRunning) {
      const args = [pgBin('pg_ctl'), '-D', this.pgData, '-m', 'immediate', '-w', 'stop'];
      spawnSync(asRoot ? 'runuser' : args[0]!, asRoot ? ['-u', 'postgres', '--', ...args] : args.slice(1));
      this.pgRunning = false;
    }
    if (!process.env.GP_FAULTS_KEEP_DIR) rmSync(this.dir, { recursive: true, force: true });
  }

  /** The last lines a child process logged, for a failure report. */
  logPath(role: Role): string {
    return join(this.dir, `${role}.log`);
  }
}

function idOf(flag: '-u' | '-g', user: string): number {
  const r = spawnSync('id', [flag, user], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`no OS user ${user}`);
  return Number(r.stdout.trim());
}
const uidOf = (u: string) => idOf('-u', u);
const gidOf = (u: string) => idOf('-g', u);
