import * as c from '../../../../core/contracts/rule-sets';
import { request } from '../http';

/** Rule sets and what-if: the admin console's client over the consoles' one fetch. */
export const ruleSetsApi = {
  list: () => request(c.ruleSetList, '/api/attribution/rule-sets'),
  propose: (input: { name: string; effectiveFrom: string; config: c.RuleConfigView; note: string }) =>
    request(c.proposeRuleSetResponse, '/api/attribution/rule-sets', { body: input }),
  whatIf: (ruleSet: c.RuleConfigView, from: string, to: string) =>
    request(c.whatIfReport, '/api/attribution/what-if', { body: { ruleSet, from, to } }),
  activate: (version: number, note: string) =>
    request(c.activateRuleSetResponse, `/api/attribution/rule-sets/${version}/activate`, { body: { note } }),
};
