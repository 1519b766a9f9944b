import { errorDetail } from '../../remote/http.js';
import { httpFor } from '../../remote/index.js';
import { realSleep } from '../../remote/limiter.js';
import type { IntelResult } from '../../../core/types.js';
import { defineIntelProvider, type ObservableRef } from '../../provider.js';
import { isoFromText, noKey, obj, str } from '../shared.js';
import { UrlscanConfig } from './config.js';
import { aboutQuery, mapUrlscan, noScans, scansOf, searchQuery } from './map.js';

/** urlscan.io recommends waiting this long after a submission before the first result poll. */
const FIRST_POLL_MS = 10_000;

/**
 * urlscan.io: what earlier scans of a URL or of pages on a domain found (verdict, impersonated
 * brands, where the page was hosted). Submits a URL nobody has scanned only when `submit: true`.
 */
const urlscan = defineIntelProvider<UrlscanConfig>({
  id: 'urlscan',
  description: 'urlscan.io: verdicts of existing scans for URLs and domains (submits new scans only when configured)',
  supports: ['url', 'domain'],
  remote: true,
  configSchema: UrlscanConfig,
  create(config, ctx) {
    if (!config.apiKey) return noKey('urlscan', 'VIGIL_URLSCAN_KEY');
    const http = httpFor(ctx, 'urlscan', config);
    const sleep = ctx.sleep ?? realSleep;
    const headers = { 'API-Key': config.apiKey };
    const api = `${config.baseUrl}/api/v1`;

    async function submitAndWait(o: ObservableRef): Promise<IntelResult> {
      const sub = await http.request(`${api}/scan/`, { method: 'POST', headers, body: JSON.stringify({ url: o.value, visibility: config.visibility, tags: config.tags }), accept: [400] });
      if (sub.status === 400) return noScans(o, config.maxAgeDays, `urlscan.io would not scan it: ${errorDetail(sub.json, sub.text) || 'refused'}`);
      const uuid = str(obj(sub.json).uuid, 64);
      if (!uuid || !/^[0-9a-f-]{8,64}$/i.test(uuid)) throw new Error('urlscan.io accepted the scan but gave no valid uuid');
      const deadline = ctx.clock.now().getTime() + config.submitWait;
      let wait = Math.min(FIRST_POLL_MS, config.submitWait);
      while (wait > 0) {
        await sleep(wait);
        const res = await http.get(`${api}/result/${uuid}/`, headers, [404]);
        if (res.status === 200) {
          const result = obj(res.json);
          const task = obj(result.task);
          const time = isoFromText(task.time) ?? ctx.clock.now().toISOString();
          const search = { scans: [{ uuid, page: obj(result.page), time }], total: 1 };
          const r = mapUrlscan(o, search, result, config.baseUrl);
          r.evidence.splice(1, 0, `scanned now at Vigil's request (${config.visibility})`);
          return r;
        }
        wait = Math.min(config.pollInterval, deadline - ctx.clock.now().getTime());
      }
      // Not cached: the next lookup should find the finished scan.
      return {
        provider: 'urlscan',
        observable: { type: o.type, value: o.value },
        verdict: 'unknown',
        score: 0,
        evidence: [`submitted to urlscan.io (${config.visibility}); result not ready after the wait: ${config.baseUrl}/result/${uuid}/`],
        tags: [],
        partial: true,
        error: 'scan submitted, result pending',
      };
    }

    return {
      async lookup(o) {
        const q = searchQuery(o, config.maxAgeDays);
        if (!q) return noScans(o, config.maxAgeDays);
        const params = new URLSearchParams({ q, size: String(config.searchSize) });
        const res = await http.get(`${api}/search/?${params}`, headers);
        const found = scansOf(res.json);
        // Only scans about this very value count: a hit for another domain is not an answer for this one.
        const about = found.scans.filter((s) => aboutQuery(o, s));
        const search = about.length === found.scans.length ? found : { scans: about, total: about.length };
        if (search.scans.length === 0) {
          if (config.submit && o.type === 'url') return submitAndWait(o);
          const other = found.scans.length;
          return noScans(o, config.maxAgeDays, other ? `${other} scan${other === 1 ? '' : 's'} the search returned ${other === 1 ? 'is' : 'are'} about other ${o.type === 'url' ? 'URLs' : 'domains'}` : undefined);
        }
        const latest = search.scans[0]!;
        let full: unknown;
        if (!latest.verdicts) {
          // Search hits do not always carry verdicts; the newest scan's full result does. 404 = deleted since.
          const r = await http.get(`${api}/result/${latest.uuid}/`, headers, [404]);
          if (r.status === 200) full = r.json;
        }
        return mapUrlscan(o, search, full, config.baseUrl);
      },
    };
  },
});

export default urlscan;
export { urlscan };
