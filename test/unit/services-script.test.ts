import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * scripts/services.sh against stand-ins for the PostgreSQL cluster tools: which cluster would it
 * start? The machine's own tools are never called.
 */
function withStubs(clusters: string) {
  const dir = mkdtempSync(join(tmpdir(), 'gp-services-'));
  const calls = join(dir, 'calls.log');
  const stub = (name: string, body: string) => {
    writeFileSync(join(dir, name), `#!/usr/bin/env bash\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  };
  stub('pg_lsclusters', `printf '%s\\n' ${clusters}`);
  stub('pg_ctlcluster', `echo "pg_ctlcluster $*" >> ${calls}; exit 0`);
  stub('apt-get', `echo "apt-get $*" >> ${calls}; exit 1`);
  return { dir, calls };
}

describe('scripts/services.sh', () => {
  it('never starts or edits a cluster the configured URL does not name', () => {
    const { dir, calls } = withStubs(`'15 main 5432 online postgres /var/lib/postgresql/15/main log'`);
    const r = spawnSync('bash', ['scripts/services.sh'], {
      env: {
        ...process.env,
        PATH: `${dir}:${process.env.PATH}`,
        DATABASE_URL: 'postgres://postgres@127.0.0.1:5499/guidepost',
        GP_PG_TRUST_LOCAL: '0',
      },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no local PostgreSQL cluster is configured on port 5499/);
    expect(r.stderr).toMatch(/15\/main on 5432/);
    const log = existsSync(calls) ? readFileSync(calls, 'utf8') : '';
    expect(log).not.toMatch(/pg_ctlcluster/);
    expect(log).not.toMatch(/apt-get/);
  });
});
