import { useI18n } from 'vue-i18n';
import { useTenantTime } from './tenant-time';

/**
 * What tells two customers of the same name apart in a list: the real name when the guide's remark
 * is shown, the phone's last four digits, and the day she was added.
 */
export function useTellApart(): (c: {
  name: string;
  remark: string | null;
  phoneTail: string | null;
  addedAt: string | null;
}) => string {
  const { t } = useI18n();
  const at = useTenantTime();
  return (c) =>
    [
      c.remark && c.remark !== c.name ? c.name : null,
      c.phoneTail ? t('customer.phoneTail', { v: c.phoneTail }) : null,
      c.addedAt ? t('customer.addedOn', { d: at(c.addedAt, 'YYYY-MM-DD') }) : null,
    ]
      .filter(Boolean)
      .join(' · ');
}
