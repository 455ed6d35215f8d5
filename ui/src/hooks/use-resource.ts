import { useCallback, useEffect, useRef, useState } from 'react';

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  isLoading: boolean;
  /** Loads again, keeping the current data on screen until the new answer arrives. */
  reload: () => void;
}

export interface ResourceOptions {
  /**
   * When the key changes, keep showing the data of the old key until the new answer arrives (for a key
   * that names a newer state of the same thing, e.g. the workflow's `updatedAt`).
   */
  isKeptAcrossKeys?: boolean;
}

/**
 * Loads data for a view. `load` runs again when `key` changes; a stale answer (an older key, or a view
 * that is gone) is dropped, and its request aborted.
 */
export function useResource<T>(
  load: (signal: AbortSignal) => Promise<T>,
  key: string,
  options: ResourceOptions = {},
): Resource<T> {
  const [state, setState] = useState<{ key: string; data?: T; error?: unknown; isLoading: boolean }>({
    key,
    isLoading: true,
  });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const controller = new AbortController();
    setState((previous) => ({
      ...(previous.key === key || options.isKeptAcrossKeys ? previous : { key }),
      isLoading: true,
    }));
    loadRef.current(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ key, data, isLoading: false });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setState((previous) => ({ ...previous, key, error, isLoading: false }));
      },
    );
    return () => controller.abort();
    // `options` is read when the key changes, not a reason to load again.
  }, [key, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const isCurrent = state.key === key || options.isKeptAcrossKeys === true;
  return {
    data: isCurrent ? state.data : undefined,
    error: isCurrent ? state.error : undefined,
    isLoading: state.key !== key || state.isLoading,
    reload,
  };
}

/** While a listed run or task instance still moves, its view is read again this often. */
export const RUN_POLL_MS = 2000;

/** Calls `tick` every `intervalMs` while `isActive`, and not while the tab is hidden. */
export function usePolling(tick: () => void, intervalMs: number, isActive: boolean): void {
  const tickRef = useRef(tick);
  tickRef.current = tick;
  useEffect(() => {
    if (!isActive) return;
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') tickRef.current();
    }, intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs, isActive]);
}
