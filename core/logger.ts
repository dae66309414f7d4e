import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Longest string kept in a log line's fields, and the longest stack. */
export const LOG_MAX_STRING = 2048;
const LOG_MAX_STACK = 4096;
const LOG_MAX_KEYS = 50;
const LOG_MAX_DEPTH = 5;

const cut = (s: string, max: number) => (s.length > max ? `${s.slice(0, max)}…[${s.length - max} more chars]` : s);

/**
 * Bounds a value for logging: long strings are cut, deep or wide objects and long arrays are
 * summarised. A client's body that ends up in an error (a CSV record, an XML payload) cannot make
 * a log line of hundreds of kilobytes.
 */
export function bounded(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return cut(v, LOG_MAX_STRING);
  if (v === null || typeof v !== 'object') return v;
  if (depth >= LOG_MAX_DEPTH) return '[…]';
  if (Buffer.isBuffer(v)) return `[Buffer ${v.length} bytes]`;
  if (v instanceof Error) return errSerializer(v);
  if (Array.isArray(v)) {
    const head = v.slice(0, 20).map((x) => bounded(x, depth + 1));
    return v.length > 20 ? [...head, `…[${v.length - 20} more]`] : head;
  }
  if (v instanceof Date) return v;
  const out: Record<string, unknown> = {};
  let n = 0;
  for (const [k, x] of Object.entries(v)) {
    if (n++ >= LOG_MAX_KEYS) {
      out['…'] = `${Object.keys(v).length - LOG_MAX_KEYS} more keys`;
      break;
    }
    out[k] = bounded(x, depth + 1);
  }
  return out;
}

/** An error as a few bounded fields (pino's default copies every enumerable property). */
function errSerializer(err: unknown): unknown {
  if (!(err instanceof Error)) return bounded(err);
  const e = err as Error & { code?: unknown; errcode?: unknown; status?: unknown };
  return {
    type: e.name,
    message: cut(e.message, LOG_MAX_STRING),
    ...(e.code !== undefined ? { code: bounded(e.code) } : {}),
    ...(e.errcode !== undefined ? { errcode: bounded(e.errcode) } : {}),
    ...(e.status !== undefined ? { status: bounded(e.status) } : {}),
    stack: cut(e.stack ?? '', LOG_MAX_STACK),
    ...(e.cause instanceof Error ? { cause: { type: e.cause.name, message: cut(e.cause.message, 512) } } : {}),
  };
}

export function createLogger(level: string, name: string, destination?: DestinationStream): Logger {
  const opts: LoggerOptions = {
    level,
    name,
    base: { svc: name },
    redact: ['req.headers.cookie', 'req.headers.authorization', '*.corpSecret', '*.secret'],
    serializers: { err: errSerializer },
    formatters: { log: (obj) => bounded(obj) as Record<string, unknown> },
    hooks: {
      // The message too: a template filled with client input stays one readable line.
      logMethod(args, method) {
        const i = args.findIndex((a) => typeof a === 'string');
        if (i >= 0) args[i] = cut(args[i] as string, LOG_MAX_STRING);
        method.apply(this, args as Parameters<typeof method>);
      },
    },
  };
  return destination ? pino(opts, destination) : pino(opts);
}
