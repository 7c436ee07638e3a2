/** One training step's readings, as the loop reports them. tfjs-free: the UI charts these. */
export interface LossPoint {
  step: number;
  dLoss: number;
  gLoss: number;
  /** Mean D(x) over the real half of D's batch: D's belief that real digits are real. */
  dReal: number;
  /** Mean D(G(z)) over the generated half: D's belief that generated digits are real. */
  dFake: number;
}
