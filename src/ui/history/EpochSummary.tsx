import { DIGIT_CLASSES } from '../../core/digits';
import type { EpochEntry } from '../../storage/records';
import { pointFromEntry } from '../quality/qualityState';
import { formatDuration } from '../shared/units';

/** An epoch's loss means (and quality metrics, once measured) as a small definition list. */
export function EpochSummary({ entry }: { entry: EpochEntry | undefined }) {
  if (!entry) return <p className="muted">No epoch chosen.</p>;
  const rows: [string, string][] = [
    ['Step', String(entry.step)],
    ['Trained for', formatDuration(entry.wallTimeMs / 1000)],
  ];
  if (entry.loss) {
    rows.push(
      ['D loss', entry.loss.dLoss.toFixed(3)],
      ['G loss', entry.loss.gLoss.toFixed(3)],
      ['D(x)', entry.loss.dReal.toFixed(3)],
      ['D(G(z))', entry.loss.dFake.toFixed(3)],
    );
  }
  const quality = pointFromEntry(entry);
  if (quality) {
    const reference = quality.referenceFd === null ? '' : ` (real ${quality.referenceFd.toFixed(2)})`;
    rows.push(
      ['FD', `${quality.fd.toFixed(quality.fd >= 100 ? 0 : 2)}${reference}`],
      ['Score', `${quality.score.toFixed(2)} / 10`],
      ['Modes', `${quality.modes}/${DIGIT_CLASSES}, smallest ${(quality.smallestShare * 100).toFixed(1)} %`],
    );
  }
  rows.push(['Generator saved', entry.hasGenerator ? 'yes' : 'no']);
  return (
    <dl className="epoch-summary">
      {rows.map(([term, value]) => (
        <div key={term} className="epoch-summary-row">
          <dt>{term}</dt>
          <dd className="counter">{value}</dd>
        </div>
      ))}
    </dl>
  );
}
