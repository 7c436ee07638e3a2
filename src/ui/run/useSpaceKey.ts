import { useEffect } from 'react';

/** Calls `onSpace` for the Space key unless focus is in something Space already operates. */
export function useSpaceKey(onSpace: () => void): void {
  useEffect(() => {
    function handle(event: KeyboardEvent): void {
      if (event.code !== 'Space' && event.key !== ' ') return;
      if (event.repeat || event.ctrlKey || event.metaKey || event.altKey) return;
      if (isInteractive(event.target)) return;
      event.preventDefault();
      onSpace();
    }
    window.addEventListener('keydown', handle);
    return () => window.removeEventListener('keydown', handle);
  }, [onSpace]);
}

function isInteractive(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  return target.closest('input, select, textarea, button, a[href], [role="slider"]') !== null;
}
