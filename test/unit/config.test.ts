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

  it('reads rate limits, framers and trusted proxies, refusing nonsense', () => {
    const cfg = loadConfig({
      RATE_LIMIT_API_IP: '0',
      FRAME_ANCESTORS: 'https://a.example.com, http://127.0.0.1:3100',
      TRUST_PROXY: 'loopback, 10.0.0.0/8',
    });
    expect(cfg.RATE_LIMIT_API_IP).toBe(0);
    expect(cfg.RATE_LIMIT_SIGNIN_IP).toBe(120);
    expect(cfg.FRAME_ANCESTORS).toEqual(['https://a.example.com', 'http://127.0.0.1:3100']);
    expect(() => loadConfig({ FRAME_ANCESTORS: 'javascript:alert(1)' })).toThrow(/FRAME_ANCESTORS/);
    expect(() => loadConfig({ RATE_LIMIT_UPLOAD_IP: '-1' })).toThrow(/RATE_LIMIT_UPLOAD_IP/);
    expect(() => loadConfig({ SESSION_TTL_SECONDS: String(30 * 24 * 3600) })).toThrow(/SESSION_TTL_SECONDS/);
    expect(() => loadConfig({ HEALTH_TOKEN: 'short' })).toThrow(/HEALTH_TOKEN/);
  });
});
