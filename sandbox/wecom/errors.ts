import { randomBytes } from 'node:crypto';

/** WeCom-style error body: errmsg carries a hint suffix, as the real service does. */
export function wecomError(errcode: number, text: string): { errcode: number; errmsg: string } {
  const hint = `${Math.floor(Date.now() / 1000)}_${Math.floor(Math.random() * 100)}_${randomBytes(16).toString('hex')}`;
  return {
    errcode,
    errmsg: `${text}, hint: [${hint}], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=${errcode}`,
  };
}

export const ok = <T extends object>(body: T) => ({ errcode: 0, errmsg: 'ok', ...body });

export class WecomFault extends Error {
  constructor(
    readonly errcode: number,
    readonly text: string,
  ) {
    super(text);
  }
}
