import { useCallback, useEffect, useRef, useState } from 'react';

/**
 * Undo and redo over whole editor states (the draft and the node positions together). Each state is an
 * immutable value, so a step back is a reference swap and "back at the saved state" is a reference
 * comparison. Edits arriving within `COALESCE_MS` of each other (typing in a parameter field) make one
 * step, so Ctrl+Z does not undo a word one letter at a time.
 */
const COALESCE_MS = 600;
/** Steps kept: plenty for a session, bounded so a long one does not hold every draft ever made. */
const LIMIT = 200;

export interface EditHistory<T> {
  current: T;
  /** Makes `next` the current state, undoably. */
  commit: (next: T) => void;
  undo: () => void;
  redo: () => void;
  canUndo: boolean;
  canRedo: boolean;
}

export function useEditHistory<T>(initial: T): EditHistory<T> {
  const [state, setState] = useState<{ past: T[]; current: T; future: T[] }>({
    past: [],
    current: initial,
    future: [],
  });
  const lastCommit = useRef(0);

  const commit = useCallback((next: T) => {
    const now = Date.now();
    const isCoalesced = now - lastCommit.current < COALESCE_MS;
    lastCommit.current = now;
    setState((s) => ({
      past: isCoalesced && s.past.length > 0 ? s.past : [...s.past, s.current].slice(-LIMIT),
      current: next,
      future: [],
    }));
  }, []);
  const undo = useCallback(() => {
    lastCommit.current = 0;
    setState((s) => {
      const previous = s.past.at(-1);
      return previous === undefined
        ? s
        : { past: s.past.slice(0, -1), current: previous, future: [s.current, ...s.future] };
    });
  }, []);
  const redo = useCallback(() => {
    lastCommit.current = 0;
    setState((s) => {
      const [next, ...rest] = s.future;
      return next === undefined ? s : { past: [...s.past, s.current], current: next, future: rest };
    });
  }, []);

  return {
    current: state.current,
    commit,
    undo,
    redo,
    canUndo: state.past.length > 0,
    canRedo: state.future.length > 0,
  };
}

/** Whether a key event happens in a text field, where Ctrl+Z belongs to the field's own text. */
function isTextEntry(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement) return true;
  return target instanceof HTMLInputElement && !['checkbox', 'radio', 'button', 'submit'].includes(target.type);
}

/** Ctrl+Z (⌘Z) undoes, Ctrl+Shift+Z and Ctrl+Y redo, anywhere on the page but inside a text field. */
export function useUndoKeys(undo: () => void, redo: () => void): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || isTextEntry(event.target)) return;
      const key = event.key.toLowerCase();
      if (key === 'z' && !event.shiftKey) undo();
      else if ((key === 'z' && event.shiftKey) || key === 'y') redo();
      else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [undo, redo]);
}
