// Client-side routes on the History API. The server answers every extension-less path with
// index.html (functions/web.py), so links from e-mails (/onboarding#token=…) land here.
import { createStore } from "./store";

export interface Location {
  path: string;
  query: URLSearchParams;
  hash: string;
}

function current(): Location {
  return {
    path: window.location.pathname,
    query: new URLSearchParams(window.location.search),
    hash: window.location.hash,
  };
}

export const location = createStore<Location>(current());

window.addEventListener("popstate", () => location.set(current()));

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  location.set(current());
  window.scrollTo(0, 0);
}

/** The path, query and fragment of where the user is now (to come back to after signing in). */
export function here(): string {
  return window.location.pathname + window.location.search + window.location.hash;
}

const RELOADED_KEY = "casedesk.reloadedFor";

/** A chunk of this version of the app (a page, a catalog) could not be fetched: most likely a newer
 * version was deployed and this tab's chunk names are gone. Load the page afresh — once per
 * address, and not offline (then the caller says so). Answers whether it reloads. */
export function reloadForNewVersion(): boolean {
  if (!navigator.onLine || sessionStorage.getItem(RELOADED_KEY) === here()) return false;
  sessionStorage.setItem(RELOADED_KEY, here());
  window.location.reload();
  return true;
}

/** A chunk came in: a later failure may reload again. */
export function chunkArrived(): void {
  sessionStorage.removeItem(RELOADED_KEY);
}

/** A local path to return to, or null: never another origin ("//evil", "https://…"). */
export function safeReturnPath(value: string | null): string | null {
  if (!value || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return null;
  return value;
}

/** ``/cases/:caseId`` against ``/cases/abc`` → ``{caseId: "abc"}``; null when it does not fit. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/").filter(Boolean);
  const got = path.split("/").filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i += 1) {
    if (want[i].startsWith(":")) params[want[i].slice(1)] = decodeURIComponent(got[i]);
    else if (want[i] !== got[i]) return null;
  }
  return params;
}

/** Follow a same-origin link inside the app without reloading it. */
export function onLinkClick(event: MouseEvent): void {
  const anchor = event.currentTarget as HTMLAnchorElement;
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  if (anchor.target || anchor.hasAttribute("download") || anchor.origin !== window.location.origin) return;
  event.preventDefault();
  navigate(anchor.pathname + anchor.search + anchor.hash);
}
