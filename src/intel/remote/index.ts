import type { IntelContext } from '../provider.js';
import { pickRemoteOptions, type RemoteOptions } from './config.js';
import { RemoteHttp } from './http.js';
import { realSleep } from './limiter.js';
import { RemoteRuntime } from './runtime.js';

export { remoteOptions, type RemoteOptions } from './config.js';
export { RemoteFailure } from './errors.js';
export { RemoteHttp, type HttpAnswer } from './http.js';
export { RemoteRuntime } from './runtime.js';

/**
 * The runtime a remote provider calls through: the engine's (shared quota, breaker, status), or a
 * private one when the provider is used on its own.
 */
export function runtimeFor(ctx: IntelContext, provider: string, config: RemoteOptions): RemoteRuntime {
  return ctx.remote ?? new RemoteRuntime(provider, pickRemoteOptions(config), { clock: ctx.clock, sleep: ctx.sleep ?? realSleep });
}

export function httpFor(ctx: IntelContext, provider: string, config: RemoteOptions): RemoteHttp {
  return ctx.http ?? new RemoteHttp(runtimeFor(ctx, provider, config), ctx.fetch, ctx.clock);
}

/** `https://www.virustotal.com/` → `https://www.virustotal.com`, so paths can be appended. */
export function trimBase(url: string): string {
  return url.replace(/\/+$/, '');
}
