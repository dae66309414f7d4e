import type { AnyRoute } from '../http/route';
import { healthRoutes } from './health.routes';

/** Every HTTP route. Add a module's routes by spreading its array below. */
export const allRoutes: readonly AnyRoute[] = [...healthRoutes];
