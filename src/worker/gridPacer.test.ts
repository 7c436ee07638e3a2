import { describe, expect, it } from 'vitest';
import { GRID_INTERVAL_MS, GridPacer } from './gridPacer';
import type { WorkerEvent } from './protocol';

function pacer() {
  let clock = 0;
  let renders = 0;
  const posted: Extract<WorkerEvent, { type: 'grid' }>[] = [];
  let release: () => void = () => undefined;
  let slow = false;
  const grid = new GridPacer({
    runId: 'r',
    render: async () => {
      renders += 1;
      if (slow) await new Promise<void>((resolve) => (release = resolve));
      return new Uint8ClampedArray([renders]);
    },
    position: () => ({ epoch: 2, step: 7 }),
    now: () => clock,
    post: (event) => {
      if (event.type === 'grid') posted.push(event);
    },
  });
  return {
    grid,
    posted,
    renders: () => renders,
    advance: (ms: number) => (clock += ms),
    slowRenders: () => (slow = true),
    release: () => release(),
  };
}

describe('grid pacer', () => {
  it('keeps one grid in flight and sends a fresh one after the ack when more were wanted', async () => {
    const p = pacer();
    await p.grid.refresh();
    expect(p.posted.map((g) => g.pixels[0])).toEqual([1]);
    expect(p.posted[0]).toMatchObject({ runId: 'r', epoch: 2, step: 7, rows: 10, cols: 10 });
    await p.grid.refresh();
    p.grid.offer(new Uint8ClampedArray([99]));
    expect(p.posted).toHaveLength(1);
    p.grid.ack();
    await Promise.resolve();
    expect(p.posted.map((g) => g.pixels[0])).toEqual([1, 2]);
    p.grid.ack();
    await Promise.resolve();
    expect(p.posted).toHaveLength(2);
  });

  it("posts an epoch's grid at once when none is in flight", () => {
    const p = pacer();
    p.grid.offer(new Uint8ClampedArray([42]));
    expect(p.posted.map((g) => g.pixels[0])).toEqual([42]);
    expect(p.renders()).toBe(0);
  });

  it('holds the slot while a grid renders, so an epoch grid offered meanwhile waits for the ack', async () => {
    const p = pacer();
    p.slowRenders();
    const rendering = p.grid.refresh();
    p.grid.offer(new Uint8ClampedArray([42]));
    expect(p.posted).toHaveLength(0);
    p.release();
    await rendering;
    expect(p.posted.map((g) => g.pixels[0])).toEqual([1]);
  });

  it('refreshes between steps only once the interval has passed and the last grid is drawn', async () => {
    const p = pacer();
    await p.grid.refresh();
    p.grid.ack();
    p.grid.tick();
    expect(p.renders()).toBe(1);
    p.advance(GRID_INTERVAL_MS + 1);
    p.grid.tick();
    await Promise.resolve();
    expect(p.renders()).toBe(2);
    p.advance(GRID_INTERVAL_MS + 1);
    p.grid.tick();
    expect(p.renders()).toBe(2);
  });

  it('frees the slot when rendering fails', async () => {
    const posted: WorkerEvent[] = [];
    const grid = new GridPacer({
      runId: 'r',
      render: () => Promise.reject(new Error('context lost')),
      position: () => ({ epoch: 0, step: 0 }),
      now: () => 0,
      post: (event) => posted.push(event),
    });
    await expect(grid.refresh()).rejects.toThrow('context lost');
    grid.offer(new Uint8ClampedArray([5]));
    expect(posted).toHaveLength(1);
  });
});
