import { BackendTrial } from './BackendTrial';
import { LiveSettings } from './LiveSettings';
import { LossCharts } from './LossCharts';
import { RunStats } from './RunStats';
import './run.css';

export function TrainingPanel() {
  return (
    <section className="panel training-panel" aria-labelledby="training-title">
      <h2 id="training-title" className="panel-title">
        Training
      </h2>
      <RunStats />
      <BackendTrial />
      <LiveSettings />
      <LossCharts />
    </section>
  );
}
