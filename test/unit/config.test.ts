import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../core/config/env';

describe('config', () => {
  it('uses local defaults when nothing is set', () => {
    const cfg = loadConfig({});
    expect(cfg.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/guidepost');
    expect(cfg.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(cfg.PORT).toBe(3000);
    expect(cfg.DATABASE_POOL_MAX).toBe(10);
    expect(cfg.publicUrl).toBe('http://127.0.0.1:3000');
  });

  it('names the variable at fault in one line', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrowError(/^invalid configuration: DATABASE_URL: /);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrowError(/^invalid configuration: PORT: /);
    expect(() => loadConfig({ REDIS_URL: 'not a url' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_POOL_MAX: '0' })).toThrowError(/^invalid configuration: DATABASE_POOL_MAX: /);
  });

  it('refuses development secrets in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrowError(
      'invalid configuration: SESSION_SECRET: required in production',
    );
    expect(() => loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40) })).toThrowError(/SECRETS_KEY/);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ PORT: '' }).PORT).toBe(3000);
  });
});
