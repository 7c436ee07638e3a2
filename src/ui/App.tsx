import { ComparePanel } from './compare/ComparePanel';
import { HistoryPanel } from './history/HistoryPanel';
import { RunList } from './history/RunList';
import { useHistoryKeys } from './history/useHistoryKeys';
import { ErrorAlert } from './messages/ErrorAlert';
import { Notices } from './messages/Notices';
import { ResumeOffer } from './messages/ResumeOffer';
import { QualityPanel } from './quality/QualityPanel';
import { Header } from './run/Header';
import { LiveGrid } from './run/LiveGrid';
import { TrainingPanel } from './run/TrainingPanel';
import { useSpaceKey } from './run/useSpaceKey';
import { SamplePanel } from './sample/SamplePanel';
import { useLab } from './shared/useLab';

export function App() {
  const { run, history } = useLab();
  useSpaceKey(run.toggle);
  useHistoryKeys(history.stepEpoch);
  return (
    <div className="lab">
      <Header />
      <div className="messages">
        <ErrorAlert />
        <Notices />
        <ResumeOffer />
      </div>
      <main className="lab-main">
        <div className="panel-row with-quality">
          <LiveGrid />
          <TrainingPanel />
          <QualityPanel />
        </div>
        <HistoryPanel />
        <div className="panel-row wide-left">
          <SamplePanel />
          <RunList />
        </div>
        <ComparePanel />
      </main>
    </div>
  );
}
