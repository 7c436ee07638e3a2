/** What the training loop reports after every step. tfjs-free: the page shows these. */
export interface LoopProgress {
  /** Steps completed. */
  step: number;
  /** Epochs completed. */
  epoch: number;
  stepsPerSecond: number;
  elapsedMs: number;
  /**
   * Tensors alive in the tfjs engine after the step, besides the step results not read back yet:
   * flat from step to step when nothing leaks.
   */
  tensors: number;
  /** Bytes held by those tensors. */
  bytes: number;
}
