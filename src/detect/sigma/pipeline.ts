// Processing pipelines: where Sigma's field names live in a given kind of event. Two YAML forms
// are read: pySigma-style `transformations` with `type: field_name_mapping`, and the older
// `fieldmappings:` map. Anything else in a pipeline is refused rather than silently ignored.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { VigilError } from '../../core/errors.js';

/** What a pipeline contributes to rule compilation. */
export interface SigmaPipeline {
  name?: string;
  fieldMap: Record<string, string | string[]>;
}

function mapping(v: unknown, file: string, field: string): Record<string, string | string[]> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new VigilError('VIGIL_CONFIG_INVALID', `${field} must be a map of Sigma field → event field(s)`, { file, field });
  }
  const out: Record<string, string | string[]> = {};
  for (const [k, t] of Object.entries(v)) {
    if (typeof t === 'string') out[k] = t;
    else if (Array.isArray(t) && t.length > 0 && t.every((x) => typeof x === 'string')) out[k] = t as string[];
    else throw new VigilError('VIGIL_CONFIG_INVALID', `${field}.${k} must be a field name or a list of them`, { file, field: `${field}.${k}` });
  }
  return out;
}

/** Parses pipeline YAML text. Several pipelines merge left to right (later mappings win). */
export function parsePipeline(text: string, file = '<pipeline>'): SigmaPipeline {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new VigilError('VIGIL_CONFIG_INVALID', `pipeline YAML: ${(e as Error).message.split('\n')[0]}`, { file, cause: e });
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new VigilError('VIGIL_CONFIG_INVALID', 'a pipeline must be a YAML map', { file });
  }
  const d = doc as Record<string, unknown>;
  const fieldMap: Record<string, string | string[]> = {};
  if (d['fieldmappings'] !== undefined) Object.assign(fieldMap, mapping(d['fieldmappings'], file, 'fieldmappings'));
  const ts = d['transformations'];
  if (ts !== undefined) {
    if (!Array.isArray(ts)) throw new VigilError('VIGIL_CONFIG_INVALID', 'transformations must be a list', { file, field: 'transformations' });
    ts.forEach((t, i) => {
      const type = (t as Record<string, unknown> | null)?.['type'];
      if (type !== 'field_name_mapping') {
        throw new VigilError('VIGIL_CONFIG_INVALID', `transformation type "${String(type)}" is not supported (only field_name_mapping)`, {
          file,
          field: `transformations.${i}.type`,
        });
      }
      Object.assign(fieldMap, mapping((t as Record<string, unknown>)['mapping'], file, `transformations.${i}.mapping`));
    });
  }
  return { ...(typeof d['name'] === 'string' ? { name: d['name'] } : {}), fieldMap };
}

/** Reads and merges pipeline files. */
export function loadPipelines(files: readonly string[]): SigmaPipeline {
  const fieldMap: Record<string, string | string[]> = {};
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (e) {
      throw new VigilError('VIGIL_CONFIG_NOT_FOUND', `cannot read pipeline ${f}: ${(e as Error).message}`, { file: f, cause: e });
    }
    Object.assign(fieldMap, parsePipeline(text, f).fieldMap);
  }
  return { fieldMap };
}
