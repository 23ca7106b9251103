/** Error codes that cross the engine boundary. Every failure a user can see maps to one of these. */
export const ERROR_CODES = ['validation', 'not-found', 'conflict', 'cancelled', 'unsupported', 'internal'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The JSON shape of an error on the wire. */
export interface EngineErrorData {
  code: ErrorCode;
  message: string;
  /** Optional structured detail (e.g. the failing field or file). */
  details?: unknown;
}

/**
 * The one error type of the engine. Messages are written for the person using the app: they name
 * the file, the field or the setting, and say what to do.
 */
export class EngineError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'EngineError';
    this.code = code;
    this.details = details;
  }

  toJSON(): EngineErrorData {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static fromData(data: EngineErrorData): EngineError {
    return new EngineError(data.code, data.message, data.details);
  }
}

export function isEngineError(e: unknown): e is EngineError {
  return e instanceof EngineError;
}

export function isErrorCode(x: unknown): x is ErrorCode {
  return typeof x === 'string' && (ERROR_CODES as readonly string[]).includes(x);
}

/** Shorthands used by handlers: `throw notFound('Image 42 does not exist.')`. */
export const validation = (m: string, d?: unknown) => new EngineError('validation', m, d);
export const notFound = (m: string, d?: unknown) => new EngineError('not-found', m, d);
export const conflict = (m: string, d?: unknown) => new EngineError('conflict', m, d);
export const cancelled = (m = 'The job was cancelled.') => new EngineError('cancelled', m);
export const unsupported = (m: string, d?: unknown) => new EngineError('unsupported', m, d);
export const internal = (m: string, d?: unknown) => new EngineError('internal', m, d);
