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

  it("refuses the sandbox's WeCom and a local public URL in production", () => {
    const secrets = { NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40), SECRETS_KEY: 'a'.repeat(64) };
    const real = {
      WECOM_API_BASE: 'https://qyapi.weixin.qq.com',
      WECOM_OAUTH_BASE: 'https://open.weixin.qq.com',
      WECOM_LOGIN_BASE: 'https://login.work.weixin.qq.com',
      PUBLIC_URL: 'https://guide.example.com',
    };
    expect(() => loadConfig(secrets)).toThrowError(/WECOM_API_BASE: http:\/\/127\.0\.0\.1:3100 is the sandbox/);
    expect(loadConfig({ ...secrets, ...real }).publicUrl).toBe('https://guide.example.com');
    expect(() => loadConfig({ ...secrets, ...real, WECOM_OAUTH_BASE: 'http://127.0.0.1:3100' })).toThrowError(
      /WECOM_OAUTH_BASE: http:\/\/127\.0\.0\.1:3100 is the sandbox/,
    );
    expect(() => loadConfig({ ...secrets, ...real, WECOM_LOGIN_BASE: 'http://login.work.weixin.qq.com' })).toThrowError(
      /WECOM_LOGIN_BASE/,
    );
    const { PUBLIC_URL: _omit, ...noPublic } = real;
    expect(() => loadConfig({ ...secrets, ...noPublic })).toThrowError(/PUBLIC_URL: required in production/);
    expect(() => loadConfig({ ...secrets, ...real, PUBLIC_URL: 'https://localhost:3000' })).toThrowError(/PUBLIC_URL/);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ PORT: '' }).PORT).toBe(3000);
  });
});
