/** One colour per compared run, readable on the light and the dark background alike. */
export const RUN_COLOURS = ['#e0603a', '#3b82d6', '#2f9e6e', '#8e5bd6', '#c99a06', '#d6438e'] as const;

export function runColour(index: number): string {
  return RUN_COLOURS[index % RUN_COLOURS.length];
}
