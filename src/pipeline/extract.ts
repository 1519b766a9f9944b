import { extractIocsFromText } from '../ioc/index.js';
import type { ExtractOptions } from '../ioc/types.js';
import type { TextExtractor } from './observables.js';

// Only the types that matter for enrichment and grouping; the scanner still recognises the rest
// so that, say, a hash inside a registry path is not mistaken for a bare hash.
const OPTIONS: ExtractOptions = { types: ['ipv4', 'ipv6', 'domain', 'url', 'email', 'md5', 'sha1', 'sha256', 'sha512', 'cve', 'attack'] };

/** The pipeline's text extractor: the one IOC extractor, with the pipeline's type selection. */
export const extractForPipeline: TextExtractor = (text) => extractIocsFromText(text, OPTIONS);
