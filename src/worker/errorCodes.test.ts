/** Every error the lab raises on purpose names its own code; anything else is a training error. */
import { describe, expect, it } from 'vitest';
import { CheckpointError } from '../core/checkpointCodec';
import { ConfigError, ProtocolError, StorageError, errorCode } from '../core/errors';
import { ImportError } from '../core/export/importError';
import { IdxError } from '../core/mnistIdx';
import { NonFiniteLossError } from '../core/trainingLoop';
import { RunNotFoundError } from '../storage/runRepository';
import { BackendLostError, BackendUnavailableError, NonFiniteStateError, RunBusyError } from './faults';
import { DataError } from './mnistLoader';
import { SampleRequestError } from './sampler';

describe('error codes', () => {
  it.each([
    [new ConfigError('x'), 'config'],
    [new SampleRequestError('x'), 'config'],
    [new ProtocolError('x'), 'protocol'],
    [new StorageError('x'), 'storage'],
    [new RunNotFoundError('r'), 'storage'],
    [new CheckpointError('x'), 'storage'],
    [new ImportError('x'), 'import'],
    [new IdxError('x'), 'data'],
    [new DataError('x'), 'data'],
    [new NonFiniteLossError({ step: 3, dLoss: Number.NaN, gLoss: 1, dReal: 0.5, dFake: 0.5 }), 'non-finite'],
    [new NonFiniteStateError(3, 'G'), 'non-finite'],
    [new RunBusyError('This run'), 'busy'],
    [new BackendLostError('webgl', 'The WebGL context was lost'), 'backend'],
    [new BackendUnavailableError('No tfjs backend could start'), 'backend'],
    [new Error('a backend-sounding message'), 'training'],
    ['a thrown string', 'training'],
  ])('%s → %s', (error, code) => {
    expect(errorCode(error)).toBe(code);
  });

  it('keeps each class its name, so logs say which it was', () => {
    expect(new RunNotFoundError('r').name).toBe('RunNotFoundError');
    expect(new DataError('x').name).toBe('DataError');
    expect(new NonFiniteLossError({ step: 1, dLoss: 1, gLoss: Number.NaN, dReal: 0, dFake: 0 }).name).toBe('NonFiniteLossError');
  });
});
