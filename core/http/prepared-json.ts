import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * A response already checked against its contract and serialised once, to be sent as it is any
 * number of times (the boards' cache keeps these). Only `prepareJson` makes one, so a route that
 * sends it still sends nothing its schema did not pass. `T` is the contract's type, for the
 * route's type check.
 */
export class PreparedJson<T = unknown> {
  declare readonly __contract?: T;
  private constructor(
    readonly body: Buffer,
    /** A strong validator of the body, for If-None-Match. */
    readonly etag: string,
  ) {}

  static of<S extends z.core.$ZodType>(schema: S, value: z.input<S>, what: string): PreparedJson<z.input<S>> {
    const checked = z.safeParse(schema, value);
    if (!checked.success)
      throw new Error(
        `${what} does not match its schema: ${checked.error.issues[0]?.path.join('.')} ${checked.error.issues[0]?.message}`,
      );
    const body = Buffer.from(JSON.stringify(checked.data));
    const hash = createHash('sha256').update(body).digest('base64url').slice(0, 32);
    return new PreparedJson(body, `"${body.length.toString(16)}-${hash}"`);
  }
}
