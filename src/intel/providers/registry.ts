import type { IntelProviderDefinition } from '../provider.js';
import localFeeds from './local-feeds/index.js';

/** Every intel provider, one line each. */
export const INTEL_PROVIDERS: readonly IntelProviderDefinition<never>[] = [localFeeds] as never;
