import type { z } from 'zod';
import { VigilError } from '../core/errors.js';

/** TheHive's error types: clients show `message`; some match on `type`. */
export type HiveErrorType = 'BadRequest' | 'AttributeCheckingError' | 'CreateError' | 'NotFoundError' | 'AuthorizationError' | 'NotSupported';

const STATUS: Record<HiveErrorType, number> = {
  BadRequest: 400,
  AttributeCheckingError: 400,
  CreateError: 400,
  NotFoundError: 404,
  AuthorizationError: 403,
  NotSupported: 415,
};

/** A case-management error that knows its TheHive type and HTTP status; a VigilError everywhere else. */
export class CaseError extends VigilError {
  readonly status: number;
  /** Why the field is wrong, for `errors[].reason`. */
  readonly reason: string;

  constructor(
    readonly hiveType: HiveErrorType,
    message: string,
    opts: { field?: string; reason?: string } = {},
  ) {
    super(hiveType === 'NotFoundError' ? 'VIGIL_INPUT_NOT_FOUND' : 'VIGIL_INPUT_INVALID', message, opts.field !== undefined ? { field: opts.field } : {});
    this.status = STATUS[hiveType];
    this.reason = opts.reason ?? message;
  }

  /** TheHive's error body, with the field and the reason for validation errors. */
  body(): Record<string, unknown> {
    return {
      type: this.hiveType,
      message: this.message,
      ...(this.field !== undefined && { errors: [{ field: this.field, reason: this.reason }] }),
    };
  }
}

export function notFound(what: string, id: string): CaseError {
  return new CaseError('NotFoundError', `${what} ${id} not found`);
}

export function invalid(field: string, reason: string): CaseError {
  return new CaseError('AttributeCheckingError', `${field}: ${reason}`, { field, reason });
}

/** The first problem zod found, as TheHive's AttributeCheckingError naming the field. */
export function fromZod(error: z.ZodError, prefix = ''): CaseError {
  const i = error.issues[0]!;
  const path = i.code === 'unrecognized_keys' && i.keys[0] !== undefined ? [...i.path, i.keys[0]] : i.path;
  const field = [prefix, ...path.map(String)].filter(Boolean).join('.') || '(body)';
  const reason = i.code === 'invalid_type' && /received undefined$/.test(i.message) ? 'is required' : i.message.replace(/^Invalid input: /, '');
  return invalid(field, reason);
}

/** Parses with a schema, throwing TheHive's validation error on the first problem. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw fromZod(r.error, prefix);
  return r.data;
}
