import { formatBytes } from '../shared/units';
import { useLabState } from '../shared/useLab';

/** MNIST download progress, file by file, shown where the first digits will appear. */
export function DataProgress() {
  const files = useLabState((s) => s.run?.dataFiles);
  const loading = useLabState((s) => s.run?.status === 'loading');
  if (!files) return null;

  if (!loading) {
    const total = files.reduce((sum, file) => sum + file.loadedBytes, 0);
    return (
      <div className="data-progress" data-testid="data-progress">
        <p>
          {files.length > 0
            ? `MNIST loaded: ${files.length} files, ${formatBytes(total)}.`
            : 'MNIST is loaded.'}{' '}
          The first digits appear after the first epoch.
        </p>
      </div>
    );
  }
  return (
    <div className="data-progress" data-testid="data-progress">
      <p>Loading MNIST: 60,000 training and 10,000 test digits.</p>
      <ul className="data-files">
        {files.map((file) => {
          const known = file.totalBytes > 0;
          return (
            <li key={file.file} className="data-file">
              <span className="data-file-head">
                <span>{file.file}</span>
                <span className="counter">
                  {formatBytes(file.loadedBytes)}
                  {known && ` / ${formatBytes(file.totalBytes)}`}
                </span>
              </span>
              <progress
                className="progress-bar"
                aria-label={`${file.file} download`}
                max={known ? file.totalBytes : 1}
                value={known ? file.loadedBytes : file.done ? 1 : undefined}
              />
            </li>
          );
        })}
      </ul>
    </div>
  );
}
