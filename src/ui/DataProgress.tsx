import { formatMegabytes } from './units';
import { useLabState } from './useLab';

/** MNIST download progress, file by file, until training starts. */
export function DataProgress() {
  const files = useLabState((s) => s.run?.dataFiles);
  const loading = useLabState((s) => s.run?.status === 'loading');
  if (!files || (files.length === 0 && !loading)) return null;

  if (!loading) {
    const total = files.reduce((sum, file) => sum + file.loadedBytes, 0);
    return (
      <p className="data-progress done" data-testid="data-progress">
        MNIST loaded: {files.length} files, {formatMegabytes(total)}.
      </p>
    );
  }
  return (
    <div className="data-progress" data-testid="data-progress">
      <p className="hint">Loading MNIST (60,000 training and 10,000 test digits) into the worker…</p>
      <ul className="data-files">
        {files.map((file) => (
          <li key={file.file} className="data-file">
            <span className="data-file-name">{file.file}</span>
            <progress
              className="progress-bar"
              aria-label={`${file.file} download`}
              max={file.totalBytes > 0 ? file.totalBytes : undefined}
              value={file.totalBytes > 0 || file.done ? file.loadedBytes : undefined}
            />
            <span className="counter">
              {formatMegabytes(file.loadedBytes)}
              {file.totalBytes > 0 ? ` / ${formatMegabytes(file.totalBytes)}` : ''}
              {file.done ? ' ✓' : ''}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
