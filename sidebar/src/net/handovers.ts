/** The guide's handovers (离职继承 / 在职继承): customers she inherited, and those she handed on. */
import { guideHandovers } from '../../../core/contracts/succession';
import { http } from './http';

export const handoversApi = {
  mine: () => http.get(guideHandovers, '/api/guide/handovers'),
};
