import { describe, expect, it } from 'vitest';
import { exportFileName, makeManifest, parseManifest } from './generatorManifest';
import { ImportError } from './importError';

describe('generator manifest', () => {
  it('round-trips through JSON and fills what older files omit', () => {
    const manifest = makeManifest({ preset: 'seed', epoch: 1, step: 128, seed: 42, metrics: { fd: 3 } });
    expect(parseManifest(JSON.stringify(manifest))).toEqual(manifest);
    expect(parseManifest(JSON.stringify({ format: manifest.format }))).toEqual(makeManifest());
  });

  it('refuses manifests it cannot honour, naming the problem', () => {
    const bad = (raw: object) => () => parseManifest(JSON.stringify({ ...makeManifest(), ...raw }));
    expect(bad({ formatVersion: 2 })).toThrow(/format version 2, newer than this lab reads \(1\)/);
    expect(bad({ pixelRange: [0, 1] })).toThrow(/pixel range \[0,1\]/);
    expect(bad({ epoch: 'ten' })).toThrow(/invalid epoch: a number expected, found "ten"/);
    expect(() => parseManifest('{')).toThrow(ImportError);
    expect(() => parseManifest('{"format":"other"}')).toThrow(/not a generator manifest of this lab/);
  });

  it('names downloads after the preset and epoch', () => {
    expect(exportFileName({ preset: 'seed', epoch: 20 }, 'onnx')).toBe('mnist-gan-seed-epoch20-generator.onnx');
    expect(exportFileName({}, 'zip')).toBe('mnist-gan-generator.zip');
  });
});
