import { decrypt, encrypt, getJsApiSignature, getSignature } from '@wecom/crypto';
import { describe, expect, it } from 'vitest';

// Official vectors (see the protocol reference, appendix).
const TOKEN = 'QDG6eK';
const KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const CORP = 'wx5823bf96d3bd56c7';
const SAMPLE_ENCRYPT =
  'RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==';

describe('WeCom crypto vectors', () => {
  it('verifies the official URL-verification request', () => {
    const echostr = 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==';
    expect(getSignature(TOKEN, '1409659589', '263014780', echostr)).toBe('5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3');
    expect(decrypt(KEY, echostr)).toMatchObject({ message: '1616140317555161061', id: CORP });
  });

  it('verifies and decrypts the official sample POST, and re-encrypts it byte for byte', () => {
    expect(getSignature(TOKEN, '1409659813', '1372623149', SAMPLE_ENCRYPT)).toBe(
      '477715d11cdb4164915debcba66cb864d751f3e6',
    );
    const plain = decrypt(KEY, SAMPLE_ENCRYPT);
    expect(plain.id).toBe(CORP);
    expect(plain.message).toContain('<Content><![CDATA[hello]]></Content>');
    expect(plain.message).toContain('<MsgId>4561255354251345929</MsgId>');
    expect(encrypt(KEY, plain.message, CORP, plain.random)).toBe(SAMPLE_ENCRYPT);
  });

  it('round-trips an event with the same random bytes', () => {
    const xml =
      '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Content><![CDATA[hello]]></Content></xml>';
    const random = Buffer.alloc(16, 7);
    const a = encrypt(KEY, xml, CORP, random);
    expect(encrypt(KEY, xml, CORP, random)).toBe(a);
    expect(decrypt(KEY, a)).toMatchObject({ message: xml, id: CORP });
  });

  it('reproduces the official JS-SDK signature', () => {
    const s = getJsApiSignature({
      ticket: 'sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg',
      nonceStr: 'Wm3WZYTPz0wzccnW',
      timestamp: 1414587457,
      url: 'http://mp.weixin.qq.com?params=value',
    });
    expect(s.signature).toBe('0f9de62fce790f9a083d5c99e95740ceb90c27ed');
  });
});
