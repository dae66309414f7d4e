import type { AnyRoute } from '../http/route';
import { adminRoutes } from './admin.routes';
import { adminScriptRoutes } from './admin-scripts.routes';
import { adminCouponRoutes } from './admin-coupons.routes';
import { adminTagRoutes } from './admin-tags.routes';
import { attributionRoutes } from './attribution.routes';
import { authRoutes } from './auth.routes';
import { boardAuthRoutes } from './board-auth.routes';
import { boardRoutes } from './boards.routes';
import { commissionRoutes } from './commission.routes';
import { campaignRoutes } from './campaign.routes';
import { customerRoutes } from './customer.routes';
import { guideRoutes } from './guide.routes';
import { healthRoutes } from './health.routes';
import { sidebarRoutes } from './sidebar.routes';
import { successionRoutes } from './succession.routes';
import { tenantRoutes } from './tenant.routes';
import { orgRoutes } from './org.routes';

/** Every HTTP route. Add a module's routes by spreading its array below. */
export const allRoutes: readonly AnyRoute[] = [
  ...healthRoutes,
  ...authRoutes,
  ...boardAuthRoutes,
  ...guideRoutes,
  ...attributionRoutes,
  ...sidebarRoutes,
  ...tenantRoutes,
  ...customerRoutes,
  ...commissionRoutes,
  ...boardRoutes,
  ...adminRoutes,
  ...adminScriptRoutes,
  ...adminCouponRoutes,
  ...adminTagRoutes,
  ...campaignRoutes,
  ...successionRoutes,
  ...orgRoutes,
];
