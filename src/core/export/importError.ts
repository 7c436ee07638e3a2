import { LabError } from '../errors';

/** A generator file that cannot be imported; the message says why and what to do. */
export class ImportError extends LabError {
  readonly code = 'import';
  override name = 'ImportError';
}
