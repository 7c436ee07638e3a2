import { ErrorAlert } from './messages/ErrorAlert';
import { Header } from './run/Header';
import { HistoryPanel } from './history/HistoryPanel';
import { LiveGrid } from './run/LiveGrid';
import { Notices } from './messages/Notices';
import { QualityPanel } from './quality/QualityPanel';
import { ResumeOffer } from './messages/ResumeOffer';
import { RunList } from './history/RunList';
import { SamplePanel } from './sample/SamplePanel';
import { TrainingPanel } from './run/TrainingPanel';
import { useHistory, useLabActions } from './shared/useLab';
import { useHistoryKeys } from './history/useHistoryKeys';
import { useSpaceKey } from './run/useSpaceKey';

export function App() {
  const actions = useLabActions();
  const history = useHistory();
  useSpaceKey(actions.toggle);
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
      </main>
    </div>
  );
}
