/**
 * Errors that say what kind of failure they are. Every error the lab raises on purpose extends
 * `LabError` with its `code`, so the worker reports it without guessing from a class list or a
 * message; anything else is a bug or a tfjs failure and reports as `training`.
 */

export type ErrorCode =
  | 'backend'
  | 'data'
  | 'config'
  | 'training'
  | 'non-finite'
  | 'protocol'
  | 'storage'
  /** The run is training in another tab, which holds its lock. */
  | 'busy'
  | 'import'
  | 'internal';

export abstract class LabError extends Error {
  abstract readonly code: ErrorCode;
}

/** The error's own code; `training` for errors the lab did not raise on purpose. */
export function errorCode(error: unknown): ErrorCode {
  return error instanceof LabError ? error.code : 'training';
}

/** An error's message, or the thrown value as text. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A setting, recipe or request that cannot be used as given. */
export class ConfigError extends LabError {
  readonly code = 'config';
  override name = 'ConfigError';
}

/** A command the worker cannot carry out in its current state. */
export class ProtocolError extends LabError {
  readonly code = 'protocol';
  override name = 'ProtocolError';
}

/** Saved runs are missing, unreadable or unavailable. */
export class StorageError extends LabError {
  readonly code = 'storage';
  override name = 'StorageError';
}
