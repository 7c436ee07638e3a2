import { DIGIT_PIXELS } from '../../core/digits';
import { DigitCanvas } from '../shared/DigitCanvas';
import { useLab, useLabState } from '../shared/useLab';
import './exports.css';

const STATUS_TEXT = {
  exporting: 'The worker writes the ONNX file…',
  loading: 'Loading ONNX Runtime…',
  running: 'ONNX Runtime is drawing…',
} as const;

/** The largest difference, readable: "2.4 × 10⁻⁷", or "0" when the outputs are identical. */
function formatDiff(value: number): string {
  if (value === 0) return '0';
  const [mantissa, exponent] = value.toExponential(1).split('e');
  const superscript = Number(exponent)
    .toString()
    .replace(/-/g, '⁻')
    .replace(/\d/g, (d) => '⁰¹²³⁴⁵⁶⁷⁸⁹'[Number(d)]);
  return `${mantissa} × 10${superscript}`;
}

/**
 * The original's second-runtime sample: the exported ONNX generator run by onnxruntime-web on
 * the same noise as the tfjs sample beside it, with the largest difference between the two.
 */
export function OnnxCheck() {
  const { exports } = useLab();
  const onnx = useLabState((s) => s.exports.onnx);
  if (!onnx) return null;
  const buffer = exports.onnxPixels();
  const pixels = onnx.status === 'done' && buffer?.version === onnx.version ? buffer : null;
  return (
    <figure className="grid-figure onnx-check" aria-live="polite">
      <div className="grid-frame sample-frame">
        <DigitCanvas
          testId="onnx-grid"
          pixels={pixels?.pixels}
          rows={onnx.rows}
          cols={onnx.cols}
          version={onnx.version}
          label={`${onnx.count} digits from ${onnx.sourceLabel}, seed ${onnx.seed}, drawn by ONNX Runtime`}
          data={{ status: onnx.status, version: onnx.version }}
        />
      </div>
      <figcaption className="grid-caption onnx-caption">
        {onnx.status === 'done' ? (
          <>
            <span className="counter">ONNX Runtime · {onnx.sourceLabel} · seed {onnx.seed}</span>
            <span className="counter" data-testid="onnx-max-diff" data-value={onnx.maxDiff ?? undefined}>
              max |ONNX − TF.js| = {formatDiff(onnx.maxDiff ?? 0)} over {(onnx.count * DIGIT_PIXELS).toLocaleString('en-US')} values
            </span>
            {onnx.runtimeMs !== null && <span className="counter muted">{Math.round(onnx.runtimeMs)} ms in ONNX Runtime</span>}
          </>
        ) : onnx.status === 'error' ? (
          <span className="field-problem">{onnx.message}</span>
        ) : (
          <span className="counter">{STATUS_TEXT[onnx.status]}</span>
        )}
      </figcaption>
    </figure>
  );
}
