/**
 * Paces one run's live grid: one grid in flight at a time (the page acks each once drawn), a
 * fresh one at least every GRID_INTERVAL_MS while training, and every epoch's grid shown (when
 * one is still in flight, a fresh grid follows the ack instead).
 */
import { GRID_COLS, GRID_ROWS } from '../core/digits';
import type { WorkerEvent } from './protocol';

/** The live grid refreshes at least this often within an epoch, if the page keeps up. */
export const GRID_INTERVAL_MS = 2000;

export interface GridSource {
  runId: string;
  /** The fixed-noise grid of the current weights, as grey bytes. */
  render(): Promise<Uint8ClampedArray>;
  /** Where training stands, for the grid's label. */
  position(): { epoch: number; step: number };
  now(): number;
  post(event: WorkerEvent, transfer: Transferable[]): void;
}

export class GridPacer {
  private inFlight = false;
  private wanted = false;
  private lastAt = 0;

  constructor(private readonly source: GridSource) {}

  /** Between steps: a fresh grid when the last one is drawn and older than the interval. */
  tick(): void {
    if (!this.inFlight && this.source.now() - this.lastAt > GRID_INTERVAL_MS) void this.refresh();
  }

  /** Draws the current weights and posts them, or asks for a grid after the next ack. */
  async refresh(): Promise<void> {
    if (this.inFlight) {
      this.wanted = true;
      return;
    }
    // Taken before drawing, so no other grid goes out while this one renders.
    this.inFlight = true;
    let pixels: Uint8ClampedArray;
    try {
      pixels = await this.source.render();
    } catch (error) {
      this.inFlight = false;
      throw error;
    }
    this.send(pixels);
  }

  /** An epoch's grid, already drawn: posted now, or replaced by a fresh one after the next ack. */
  offer(pixels: Uint8ClampedArray): void {
    if (this.inFlight) {
      this.wanted = true;
      return;
    }
    this.inFlight = true;
    this.send(pixels);
  }

  /** The page has drawn the last grid. */
  ack(): void {
    this.inFlight = false;
    if (this.wanted) void this.refresh();
  }

  /** Posts (transfers) `pixels`; the caller holds the in-flight slot. */
  private send(pixels: Uint8ClampedArray): void {
    this.wanted = false;
    this.lastAt = this.source.now();
    const { epoch, step } = this.source.position();
    this.source.post(
      { type: 'grid', runId: this.source.runId, epoch, step, pixels, rows: GRID_ROWS, cols: GRID_COLS },
      [pixels.buffer],
    );
  }
}
