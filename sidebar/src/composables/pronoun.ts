import { computed, type ComputedRef } from 'vue';
import { useI18n } from 'vue-i18n';
import { useCustomer } from '../stores/customer';

export type PronounKey = 'female' | 'male' | 'unknown';
export type Pronouns = Record<string, string> & {
  obj: string;
  pos: string;
  Pos: string;
};

/** WeCom's gender: 1 male, 2 female, 0 unknown. */
export function pronounKey(gender: number | null | undefined): PronounKey {
  return gender === 2 ? 'female' : gender === 1 ? 'male' : 'unknown';
}

/** The customer on screen's pronouns in the guide's language, as message parameters ({obj}, {pos}, {Pos}). */
export function usePronoun(): ComputedRef<Pronouns> {
  const { t } = useI18n();
  const customer = useCustomer();
  return computed(() => {
    const k = pronounKey(customer.profile?.customer.gender);
    return { obj: t(`pronoun.${k}.obj`), pos: t(`pronoun.${k}.pos`), Pos: t(`pronoun.${k}.Pos`) };
  });
}
