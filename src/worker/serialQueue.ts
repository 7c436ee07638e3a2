/**
 * Runs tasks one after another: a request that loads or disposes tensors never overlaps
 * another that uses them, and a failed task does not block the next.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
