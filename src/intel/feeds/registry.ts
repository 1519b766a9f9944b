import { VigilError } from '../../core/errors.js';
import type { FeedFormat } from './format.js';
import { feodo } from './feodo/index.js';
import { misp } from './misp/index.js';
import { openphish } from './openphish/index.js';
import { phishtank } from './phishtank/index.js';
import { plain } from './plain/index.js';
import { spamhausDrop } from './spamhaus-drop/index.js';
import { stix21 } from './stix21/index.js';
import { threatfox } from './threatfox/index.js';
import { urlhaus } from './urlhaus/index.js';
import { SAMPLE_SIZE } from './text.js';

/** Every feed format, one line each. Order breaks ties in detection: more specific formats first. */
export const FEED_FORMATS: readonly FeedFormat[] = [
  feodo,
  urlhaus,
  threatfox,
  phishtank,
  spamhausDrop,
  misp,
  stix21,
  openphish,
  plain,
];

/** Below this, `detectFormat` says it does not recognise the file. */
export const MIN_DETECT_SCORE = 0.3;

/** The format with this id, or `undefined`. */
export function getFormat(id: string): FeedFormat | undefined {
  return FEED_FORMATS.find((f) => f.id === id);
}

/** The format with this id; throws `VIGIL_FEED_UNKNOWN_FORMAT` naming the known ids otherwise. */
export function requireFormat(id: string): FeedFormat {
  const f = getFormat(id);
  if (f === undefined) {
    throw new VigilError('VIGIL_FEED_UNKNOWN_FORMAT', `unknown feed format "${id}" (known: ${FEED_FORMATS.map((x) => x.id).join(', ')})`, { field: 'format' });
  }
  return f;
}

/**
 * Picks the format for a file from the start of its content (the first 16 KB are plenty) and its
 * name. Returns the best-scoring format with its score, or `undefined` when none scores at least
 * `MIN_DETECT_SCORE`.
 */
export function detectFormat(sample: string, fileName: string): { format: FeedFormat; score: number } | undefined {
  const s = sample.length > SAMPLE_SIZE ? sample.slice(0, SAMPLE_SIZE) : sample;
  let best: { format: FeedFormat; score: number } | undefined;
  for (const format of FEED_FORMATS) {
    let score: number;
    try {
      score = format.detect(s, fileName);
    } catch {
      score = 0; // a detector choking on someone else's format is a "no"
    }
    if (score >= MIN_DETECT_SCORE && (best === undefined || score > best.score)) best = { format, score };
  }
  return best;
}
