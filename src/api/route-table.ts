import type { FastifyInstance } from 'fastify';

/** One registered route, as the tenancy test walks them. */
export interface RouteEntry {
  method: string;
  url: string;
  /** Reachable without a key (`config.public`, or health and readiness). */
  public: boolean;
}

const tables = new WeakMap<FastifyInstance, RouteEntry[]>();

/** Records every route registered on the server from now on (call before registering any). */
export function collectRoutes(server: FastifyInstance): void {
  const list: RouteEntry[] = [];
  tables.set(server, list);
  server.addHook('onRoute', (r) => {
    const open = Boolean((r.config as { public?: boolean } | undefined)?.public) || r.url === '/healthz' || r.url === '/readyz';
    for (const method of [r.method].flat()) if (method !== 'HEAD') list.push({ method, url: r.url, public: open });
  });
}

/** The routes of a server built by buildServer. */
export function routeTable(server: FastifyInstance): readonly RouteEntry[] {
  return tables.get(server) ?? [];
}
