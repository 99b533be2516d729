// A tiny observable value: the app's few pieces of global state (language, session, location)
// live in stores, and components re-render when a store they read changes.
import { useEffect, useReducer } from "preact/hooks";

export interface Store<T> {
  get(): T;
  set(next: T): void;
  subscribe(listener: () => void): () => void;
}

export function createStore<T>(initial: T): Store<T> {
  let value = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => value,
    set(next: T) {
      if (Object.is(next, value)) return;
      value = next;
      for (const listener of [...listeners]) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export function useStore<T>(store: Store<T>): T {
  const value = store.get();
  const [, rerender] = useReducer((n: number, _: void) => n + 1, 0);
  useEffect(() => {
    const unsubscribe = store.subscribe(() => rerender());
    // Effects run after paint: a change that landed between this render and the subscription
    // (a fast response) would otherwise never reach the component.
    if (!Object.is(store.get(), value)) rerender();
    return unsubscribe;
  }, [store]);
  return value;
}
