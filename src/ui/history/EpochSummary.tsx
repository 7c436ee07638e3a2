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
  if (quality && quality.fd !== null && quality.score !== null) {
    const reference = quality.referenceFd === null ? '' : ` (real ${quality.referenceFd.toFixed(2)})`;
    const classes = quality.counts.length;
    rows.push(
      ['FD', `${quality.fd.toFixed(quality.fd >= 100 ? 0 : 2)}${reference}`],
      ['Score', `${quality.score.toFixed(2)} / ${classes}`],
      ['Modes', `${quality.modes}/${classes}, smallest ${((quality.smallestShare ?? 0) * 100).toFixed(1)} %`],
    );
  }
  if (quality && quality.c2st !== null) {
    const floor = quality.c2stFloor === null ? '' : ` (real ${quality.c2stFloor.toFixed(2)})`;
    rows.push(['C2ST', `${quality.c2st.toFixed(2)}${floor}`]);
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
