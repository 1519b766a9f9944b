import type { IntelProviderDefinition } from '../provider.js';
import abuseipdb from './abuseipdb/index.js';
import dns from './dns/index.js';
import greynoise from './greynoise/index.js';
import httpJson from './http-json/index.js';
import internetdb from './internetdb/index.js';
import ipinfo from './ipinfo/index.js';
import localFeeds from './local-feeds/index.js';
import otx from './otx/index.js';
import rdap from './rdap/index.js';
import urlscan from './urlscan/index.js';
import virustotal from './virustotal/index.js';

/** Every intel provider, one line each. Order is the order answers are listed in. */
export const INTEL_PROVIDERS: readonly IntelProviderDefinition<never>[] = [
  localFeeds,
  virustotal,
  abuseipdb,
  urlscan,
  ipinfo,
  dns,
  rdap,
  greynoise,
  internetdb,
  otx,
  httpJson,
] as never;
