import { describe, expect, it } from 'vitest';
import { wecomFailure } from '../composables/error-text';
import en from '../i18n/en';
import zh from '../i18n/zh-CN';

describe('errors in the guide’s language', () => {
  it('names WeCom’s JS-SDK failures in words, not in its English errMsg', () => {
    expect(wecomFailure('agentConfig:invalid signature')).toBe('signature');
    expect(wecomFailure('config:invalid url domain')).toBe('domain');
    expect(wecomFailure('agentConfig:permission denied')).toBe('permission');
    expect(wecomFailure('agentConfig:fail')).toBe('other');
    for (const k of ['signature', 'domain', 'permission', 'other'] as const) {
      expect(zh.start.wecomFailure[k]).toMatch(/[\u4e00-\u9fff]/);
      expect(en.start.wecomFailure[k]).not.toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it('has a sentence for every code the API can send a guide', () => {
    // core/errors.ts errorStatus, the codes a sidebar request can meet.
    const codes = [
      'VALIDATION_FAILED',
      'UNAUTHENTICATED',
      'SESSION_EXPIRED',
      'FORBIDDEN',
      'NOT_FOLLOWED',
      'TRANSFERRED',
      'NOT_GROUP_MEMBER',
      'NOT_ELIGIBLE',
      'NOT_FOUND',
      'CONFLICT',
      'RATE_LIMITED',
      'WECOM_ERROR',
      'SERVICE_UNAVAILABLE',
    ];
    for (const c of codes) {
      expect((zh.errors as Record<string, string>)[c], c).toMatch(/[\u4e00-\u9fff]/);
      expect((en.errors as Record<string, string>)[c], c).toBeTruthy();
    }
    expect(zh.errors.generic).not.toContain('{msg}');
  });
});
