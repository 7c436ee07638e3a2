import { useEffect, useRef, useState } from 'react';

/**
 * `value`, passed on at most once every `ms` milliseconds; the latest value always arrives, at
 * most `ms` late. For what is costly to draw and changes with every training step.
 */
export function useThrottled<T>(value: T, ms: number): T {
  const [shown, setShown] = useState(value);
  const shownAt = useRef(0);
  useEffect(() => {
    if (Object.is(value, shown)) return;
    const show = () => {
      shownAt.current = performance.now();
      setShown(value);
    };
    const wait = shownAt.current + ms - performance.now();
    if (wait <= 0) {
      show();
      return;
    }
    const id = setTimeout(show, wait);
    return () => clearTimeout(id);
  }, [value, shown, ms]);
  return shown;
}
