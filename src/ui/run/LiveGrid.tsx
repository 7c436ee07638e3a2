import { useEffect, useRef } from 'react';
import { GRID_COLS, GRID_DIGITS, GRID_ROWS, IMAGE_SIDE } from '../../core/digits';
import { digitGridToRgba } from '../shared/gridImage';
import { useLab, useLabState } from '../shared/useLab';
import { DataProgress } from './DataProgress';
import './run.css';

/**
 * The generator's digits for the same GRID_DIGITS noise vectors, redrawn as each grid arrives. Pixels go
 * from the store's buffer straight to the canvas; React only sees the grid's epoch and version.
 */
export function LiveGrid() {
  const { live, run: actions } = useLab();
  const grid = useLabState((s) => s.live.grid);
  const hasRun = useLabState((s) => s.run !== null);
  const canvasRef = useRef<HTMLCanvasElement>(null);

  const rows = grid?.rows ?? GRID_ROWS;
  const cols = grid?.cols ?? GRID_COLS;

  useEffect(() => {
    const context = canvasRef.current?.getContext('2d');
    if (!grid) {
      context?.clearRect(0, 0, cols * IMAGE_SIDE, rows * IMAGE_SIDE);
      return;
    }
    const buffer = live.gridPixels();
    if (!buffer || buffer.version !== grid.version) return;
    if (context) {
      const image = digitGridToRgba(buffer.pixels, buffer.rows, buffer.cols);
      context.putImageData(new ImageData(image.data, image.width, image.height), 0, 0);
    }
    actions.gridDrawn(grid);
  }, [grid, rows, cols, live, actions]);

  return (
    <section className="panel grid-panel" aria-labelledby="live-grid-title">
      <h2 id="live-grid-title" className="panel-title">
        Generated digits
      </h2>
      <p className="hint">
        The generator's output for one fixed batch of {GRID_DIGITS} noise vectors, so changes
        between updates are learning, not new random inputs.
      </p>
      <figure className="grid-figure">
        <div className="grid-frame">
          <canvas
            ref={canvasRef}
            className="grid-canvas"
            data-testid="live-grid"
            data-epoch={grid?.epoch}
            data-step={grid?.step}
            width={cols * IMAGE_SIDE}
            height={rows * IMAGE_SIDE}
            role="img"
            aria-label={
              grid
                ? `Generated digits after epoch ${grid.epoch}, step ${grid.step}`
                : 'No generated digits yet'
            }
          />
          {!grid && (
            <div className="grid-placeholder">
              {hasRun ? (
                <DataProgress />
              ) : (
                <p>
                  No digits yet. Click Train and the generator's attempts appear here as it
                  learns: noise at first, then blobs, then digits.
                </p>
              )}
            </div>
          )}
        </div>
        <figcaption className="grid-caption">
          {grid ? (
            <>
              <span className="counter">Epoch {grid.epoch}</span>
              <span className="counter muted">step {grid.step}</span>
            </>
          ) : (
            <span className="muted">Epoch —</span>
          )}
        </figcaption>
      </figure>
    </section>
  );
}
