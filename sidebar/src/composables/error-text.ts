import { useI18n } from 'vue-i18n';
import { ApiError } from '../net/http';

/** The API's error code of a failure (a network failure or anything else is UNKNOWN). */
export function errorCode(err: unknown): string {
  if (err instanceof ApiError) return err.code;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'UNKNOWN';
}

/** Which known WeCom JS-SDK failure an errMsg ("agentConfig:invalid signature") is. */
export function wecomFailure(errMsg: string): 'signature' | 'domain' | 'permission' | 'other' {
  const m = errMsg.toLowerCase();
  if (m.includes('signature')) return 'signature';
  if (m.includes('domain') || m.includes('url')) return 'domain';
  if (m.includes('permission') || m.includes('denied')) return 'permission';
  return 'other';
}

/**
 * A failure in the guide's language: the API's code picks the text; a code the sidebar does not
 * know shows a generic sentence, never the API's English message.
 */
export function useErrorText(): { errorText: (err: unknown) => string; wecomText: (errMsg: string) => string } {
  const { t, te } = useI18n();
  return {
    errorText: (err) => {
      const code = errorCode(err);
      return code !== 'UNKNOWN' && te('errors.' + code) ? t('errors.' + code) : t('errors.generic');
    },
    wecomText: (errMsg) => t('start.wecomFailure.' + wecomFailure(errMsg)),
  };
}
