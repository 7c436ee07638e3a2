import { useEffect } from 'react';

/**
 * ←/→ scrub the history by one saved epoch, Home/End jump to the first/last, unless focus is
 * somewhere those keys already do something (text fields, selects, the slider itself).
 */
export function useHistoryKeys(step: (delta: number) => void): void {
  useEffect(() => {
    function handle(event: KeyboardEvent): void {
      if (event.ctrlKey || event.metaKey || event.altKey || event.shiftKey) return;
      const delta = DELTAS[event.key];
      if (delta === undefined || ownsArrowKeys(event.target)) return;
      event.preventDefault();
      step(delta);
    }
    window.addEventListener('keydown', handle);
    return () => window.removeEventListener('keydown', handle);
  }, [step]);
}

const DELTAS: Record<string, number> = {
  ArrowLeft: -1,
  ArrowRight: 1,
  Home: -Infinity,
  End: Infinity,
};

function ownsArrowKeys(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  return target.closest('input, select, textarea, [role="slider"], [role="listbox"]') !== null;
}
