import { ErrorAlert } from './ErrorAlert';
import { Header } from './Header';
import { HistoryPanel } from './HistoryPanel';
import { LiveGrid } from './LiveGrid';
import { Notices } from './Notices';
import { QualityPanel } from './QualityPanel';
import { ResumeOffer } from './ResumeOffer';
import { RunList } from './RunList';
import { SamplePanel } from './SamplePanel';
import { TrainingPanel } from './TrainingPanel';
import { useHistory, useLabActions } from './useLab';
import { useHistoryKeys } from './useHistoryKeys';
import { useSpaceKey } from './useSpaceKey';

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
