import { defineFeedFormat } from '../format.js';
import { normalizeUrl } from '../normalize.js';
import { FeedCollector, eachLine, sampleLines } from '../text.js';

/**
 * OpenPhish feed (`feed.txt`): one phishing URL per line, nothing else. Each line becomes a `url`
 * indicator with threat `phishing`. A line that is not an http(s) URL is reported and skipped.
 */
export const openphish = defineFeedFormat({
  id: 'openphish',
  label: 'OpenPhish',
  description: 'OpenPhish phishing URL feed (one URL per line)',
  detect(sample, fileName) {
    const lines = sampleLines(sample, 50);
    if (lines.length === 0) return 0;
    const urls = lines.filter((l) => /^https?:\/\/\S+$/i.test(l)).length;
    if (urls !== lines.length) return 0;
    // A bare URL list is most likely this feed, but only the name can say so for sure.
    return /openphish/i.test(fileName) ? 0.95 : 0.6;
  },
  parse(text, ctx) {
    const col = new FeedCollector(ctx.file);
    eachLine(text, col, (raw, lineNo) => {
      const line = raw.trim();
      if (line.length === 0 || line.startsWith('#')) return;
      const url = /^https?:\/\//i.test(line) ? normalizeUrl(line) : undefined;
      if (url === undefined) { col.issue(lineNo, `"${line.slice(0, 80)}" is not an http(s) URL`); return; }
      col.indicators.push({ type: 'url', value: url, tags: [], threat: 'phishing', line: lineNo });
    });
    return col.result();
  },
});
