// Every list the API answers comes in pages: `?limit=` (the app sends none: the API's default of
// 50) and `?continuation=<token>`, answered as `{<itemsKey>: [...], "continuation": string | null}`
// (null on the last page). The token is opaque and bound to the user and the query: it goes back
// verbatim (URL-encoded) with the same path and filters. A list of several sections ("see what X
// sees") answers `{"continuations": {<itemsKey>: token | null}}` and is paged one section at a
// time. This module is the one way the app follows them: `usePagedList` for a list on screen
// ("Show more": <LoadMore> in components/ui.tsx), `fetchAll` / `fetchRest` where a screen needs
// the whole set (a picker, names for ids, "mark all as read"). A token the API refuses
// (400 `invalid_continuation`, e.g. stale) restarts the list from page 1.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError, type RequestOptions, api } from "./api";

export interface Page<T> {
  items: T[];
  continuation: string | null;
  /** The whole answer, for fields a list carries beside its items (e.g. a look-back in days). */
  answer?: Record<string, unknown>;
}

/** ``path`` (which may carry its own query, e.g. filters) with the token added. */
export function pageUrl(path: string, continuation: string | null): string {
  if (continuation === null) return path;
  return `${path}${path.includes("?") ? "&" : "?"}continuation=${encodeURIComponent(continuation)}`;
}

/** One page of the list at ``path`` whose items the API answers under ``itemsKey``. */
export async function fetchPage<T>(
  path: string,
  itemsKey: string,
  continuation: string | null = null,
  options: RequestOptions = {},
): Promise<Page<T>> {
  const { data } = await api.get<Record<string, unknown>>(pageUrl(path, continuation), options);
  const items = data?.[itemsKey];
  // A list of several sections ("see what X sees") carries one token per section, by items key.
  const sections = data?.continuations as Record<string, unknown> | undefined;
  const next = "continuation" in (data ?? {}) ? data.continuation : sections?.[itemsKey];
  return {
    items: Array.isArray(items) ? (items as T[]) : [],
    // The same token again would be no step forward: end there rather than loop for ever.
    continuation: typeof next === "string" && next !== "" && next !== continuation ? next : null,
    answer: data ?? {},
  };
}

/** The API no longer accepts this token (stale, or the list's query changed): start again. */
export function isStaleContinuation(error: unknown): boolean {
  return error instanceof ApiError && error.status === 400 && error.code === "invalid_continuation";
}

/** How often a walk through a list starts again after a stale token before it gives up. */
const RESTARTS = 2;

/** Every item of the list at ``path``, page after page: for screens that need the whole set (a
 * participant picker, names for ids, a count). A stale token restarts the walk from page 1. */
export async function fetchAll<T>(
  path: string,
  itemsKey: string,
  options: RequestOptions = {},
): Promise<T[]> {
  for (let attempt = 0; ; attempt += 1) {
    const all: T[] = [];
    let continuation: string | null = null;
    try {
      do {
        const page: Page<T> = await fetchPage<T>(path, itemsKey, continuation, options);
        all.push(...page.items);
        continuation = page.continuation;
      } while (continuation !== null);
      return all;
    } catch (caught) {
      if (!isStaleContinuation(caught) || attempt >= RESTARTS) throw caught;
    }
  }
}

/** The rest of a list whose first page came with something else (e.g. a case's participants in
 * the case summary): ``first`` and every page after it. A stale token reads the list again from
 * page 1. */
export async function fetchRest<T>(
  path: string,
  itemsKey: string,
  first: Page<T>,
  options: RequestOptions = {},
): Promise<T[]> {
  const all = [...first.items];
  let continuation = first.continuation;
  try {
    while (continuation !== null) {
      const page: Page<T> = await fetchPage<T>(path, itemsKey, continuation, options);
      all.push(...page.items);
      continuation = page.continuation;
    }
    return all;
  } catch (caught) {
    if (!isStaleContinuation(caught)) throw caught;
    return fetchAll<T>(path, itemsKey, options);
  }
}

export interface PagedList<T> {
  /** The items shown so far (undefined until the first page is in). */
  items: T[] | undefined;
  /** The error of the first page (the list cannot be shown). */
  error: ApiError | null;
  /** The error of the last "show more" (the items shown stay). */
  moreError: ApiError | null;
  /** More pages to show. */
  hasMore: boolean;
  /** A "show more" is under way. */
  loadingMore: boolean;
  /** How many items the last "show more" added (for the live region), null before any. */
  added: number | null;
  /** How many pages are shown. */
  pages: number;
  /** The list was restarted from page 1 because its token went stale. */
  restarted: boolean;
  /** The first page's whole answer (null until it is in): fields beside the items. */
  first: Record<string, unknown> | null;
  loadMore: () => Promise<void>;
  /** Fetch the list again after a change, as far as it was shown (the user keeps their place). */
  reload: () => void;
}

interface State<T> {
  items: T[] | undefined;
  continuation: string | null;
  pages: number;
  error: ApiError | null;
  moreError: ApiError | null;
  loadingMore: boolean;
  added: number | null;
  restarted: boolean;
  first: Record<string, unknown> | null;
}

const START = {
  items: undefined,
  continuation: null,
  pages: 0,
  error: null,
  moreError: null,
  loadingMore: false,
  added: null,
  restarted: false,
  first: null,
};

/** A list on screen, one page at a time: the first page when ``path`` changes (paths carry the
 * filters, so a new filter is a new list), the next one on ``loadMore``. Answers that arrive after
 * the list changed are dropped. */
export function usePagedList<T>(path: string, itemsKey: string): PagedList<T> {
  const [state, setState] = useState<State<T>>(START);
  // The list the answers belong to: each (re)start takes a new number, late answers are dropped.
  const generation = useRef(0);
  const current = useRef(state);
  current.current = state;
  // One "show more" at a time, even for a second click before the busy state is rendered.
  const fetching = useRef(false);

  const start = useCallback(
    async (atLeast: number, restarted: boolean) => {
      const mine = ++generation.current;
      setState((s) => ({ ...s, error: null, moreError: null, loadingMore: false, restarted }));
      try {
        // After a change the list is read again as far as it was shown (page by page: the API
        // has no "the first N" but the limit of one page). A page may come back empty with a
        // token (what the caller may not see is left out after it was read): read on then too.
        const items: T[] = [];
        let continuation: string | null = null;
        let pages = 0;
        let first: Record<string, unknown> | null = null;
        do {
          const page: Page<T> = await fetchPage<T>(path, itemsKey, continuation);
          first ??= page.answer ?? null;
          items.push(...page.items);
          continuation = page.continuation;
          pages += 1;
        } while (continuation !== null && items.length < Math.max(atLeast, 1));
        if (mine !== generation.current) return;
        setState({ ...START, items, continuation, pages, restarted, first });
      } catch (caught) {
        if (mine !== generation.current) return;
        if (!(caught instanceof ApiError)) throw caught;
        if (isStaleContinuation(caught) && !restarted) return void start(0, true);
        setState((s) => ({ ...s, error: caught }));
      }
    },
    [path, itemsKey],
  );

  useEffect(() => {
    setState(START);
    void start(0, false);
    return () => {
      generation.current += 1;
    };
  }, [start]);

  const loadMore = useCallback(async () => {
    const before = current.current;
    if (before.continuation === null || fetching.current) return;
    fetching.current = true;
    const mine = generation.current;
    setState((s) => ({ ...s, loadingMore: true, moreError: null }));
    try {
      const added: T[] = [];
      let continuation: string | null = before.continuation;
      let pages = 0;
      while (continuation !== null && added.length === 0) {
        const page: Page<T> = await fetchPage<T>(path, itemsKey, continuation);
        added.push(...page.items);
        continuation = page.continuation;
        pages += 1;
      }
      if (mine !== generation.current) return;
      setState((s) => ({
        ...s,
        items: [...(s.items ?? []), ...added],
        continuation,
        pages: s.pages + pages,
        loadingMore: false,
        added: added.length,
        restarted: false,
      }));
    } catch (caught) {
      if (mine !== generation.current) return;
      if (!(caught instanceof ApiError)) throw caught;
      if (isStaleContinuation(caught)) return void start(0, true);
      setState((s) => ({ ...s, loadingMore: false, moreError: caught }));
    } finally {
      fetching.current = false;
    }
  }, [path, itemsKey, start]);

  const reload = useCallback(() => void start(current.current.items?.length ?? 0, false), [start]);

  return {
    items: state.items,
    error: state.error,
    moreError: state.moreError,
    hasMore: state.continuation !== null,
    loadingMore: state.loadingMore,
    added: state.added,
    pages: state.pages,
    restarted: state.restarted,
    first: state.first,
    loadMore,
    reload,
  };
}
