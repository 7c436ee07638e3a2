import { DatasetPanel } from '../datasets/DatasetPanel';
import { RecipePanel } from '../recipe/RecipePanel';
import { ConfigFields } from './ConfigFields';
import { RunControls } from './RunControls';
import { RunProgress } from './RunProgress';
import { SetupSelects } from './SetupSelects';
import './run.css';

export function Header() {
  return (
    <header className="lab-header">
      <div className="header-bar">
        <h1 className="title">MNIST GAN Lab</h1>
        <SetupSelects />
        <RunControls />
        <p className="keyboard-hint">
          <kbd>Space</kbd> train · pause · resume
        </p>
      </div>
      <RunProgress />
      <ConfigFields />
      <DatasetPanel />
      <RecipePanel />
    </header>
  );
}
