import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { parseConfigFromSearch } from './core/config';
import { RunRepository } from './storage/runRepository';
import { App } from './ui/App';
import { browserHistoryEnvironment, createHistoryController } from './ui/history/historyController';
import { createExportsController } from './ui/exports/exportsController';
import { createLabActions } from './ui/run/labActions';
import { createLabStore } from './ui/shared/labStore';
import { LabContext } from './ui/shared/useLab';
import { createWorkerClient } from './ui/run/workerClient';
import './ui/shared/lab.css';
import './ui/history/history.css';

// The worker and store live outside React so StrictMode's double effects cannot start two workers.
const store = createLabStore(parseConfigFromSearch(location.search));
const client = createWorkerClient(store);
const actions = createLabActions(store, client);
const history = createHistoryController(store, client, browserHistoryEnvironment(new RunRepository()));
const exports = createExportsController(store, client);
client.init(store.getState().form.config.backend);
void history.refresh();

const root = document.getElementById('root');
if (!root) throw new Error('index.html needs a <div id="root"> for the lab to render into.');
createRoot(root).render(
  <StrictMode>
    <LabContext value={{ store, actions, history, exports }}>
      <App />
    </LabContext>
  </StrictMode>,
);
