import { ErrorAlert } from './ErrorAlert';
import { Header } from './Header';
import { LiveGrid } from './LiveGrid';
import { Notices } from './Notices';
import { TrainingPanel } from './TrainingPanel';
import { useLabActions } from './useLab';
import { useSpaceKey } from './useSpaceKey';

export function App() {
  const actions = useLabActions();
  useSpaceKey(actions.toggle);
  return (
    <div className="lab">
      <Header />
      <div className="messages">
        <ErrorAlert />
        <Notices />
      </div>
      <main className="lab-main">
        <div className="panel-row">
          <LiveGrid />
          <TrainingPanel />
        </div>
      </main>
    </div>
  );
}
