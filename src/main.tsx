// The base styles first: each feature's own styles come after them and may refine them.
import './ui/shared/lab.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { parseConfigFromSearch } from './core/config';
import { App } from './ui/App';
import { createLab } from './ui/lab';
import { LabContext } from './ui/shared/useLab';

// The worker and store live outside React so StrictMode's double effects cannot start two workers.
const lab = createLab(parseConfigFromSearch(location.search));
lab.start();

const root = document.getElementById('root');
if (!root) throw new Error('index.html needs a <div id="root"> for the lab to render into.');
createRoot(root).render(
  <StrictMode>
    <LabContext value={lab}>
      <App />
    </LabContext>
  </StrictMode>,
);
