// Tag "api": GET /api/v2 lists the endpoints, derived from the spec at startup.
import type { Handler } from './types.ts';

export const list_apis: Handler<'list_apis'> = async (_req, ctx) => ctx.endpoints;
