// Who is signed in. The session cookie is HttpOnly, so after a reload the app asks the API
// (GET /api/auth/status), which also hands back the CSRF token for state-changing requests.
import { ApiError, api, dropPrefetched, setCsrfToken } from "./api";
import { type Language, UNSAVED_LANGUAGE_KEY, isLanguage, setLanguage } from "./i18n";
import { fetchAll } from "./paging";
import { createStore } from "./store";

export interface Session {
  userId: string;
  sessionId: string;
  name: string;
  language: string;
  consentRequired: boolean;
  versions: { terms: string; privacy: string };
  csrfToken: string;
  /** "operator" for platform support staff (issues 21, 22); absent for everyone else. */
  kind?: string;
}

export interface OrgMembership {
  orgId: string;
  name: string;
  roles: string[];
  /** Break-glass (journey 17): may open the organisation's cases with a reason. */
  accessAllCases?: boolean;
}

/** undefined while the first check runs, null when signed out. */
export const session = createStore<Session | null | undefined>(undefined);
export const orgs = createStore<OrgMembership[]>([]);

/** Set while this browser has a session (the cookie itself is HttpOnly): only then does the first
 * load of the app ask for a page's data before the session check has answered (app.tsx), so a
 * visitor who is signed out never sees a request fail. A flag, nothing about the person. */
const SIGNED_IN_KEY = "casedesk.signedIn";

export function probablySignedIn(): boolean {
  return localStorage.getItem(SIGNED_IN_KEY) === "1";
}

export async function loadSession(): Promise<Session | null> {
  try {
    // Signed out is normal here, not an error: this route answers 200 either way, so a visitor's
    // console shows no failed request (issue 25).
    const status = await api.get<{ signedIn: boolean; session: Session | null }>("/api/auth/status", {
      anonymous: true,
    });
    const data = status.data.session;
    if (!status.data.signedIn || !data) {
      signedOut();
      return null;
    }
    setCsrfToken(data.csrfToken);
    localStorage.setItem(SIGNED_IN_KEY, "1");
    // A language chosen here whose saving did not finish (the page was left or reloaded at once)
    // wins over the account's older preference, and is saved now. Otherwise the account's
    // language, its catalog in before the first page shows (no flash of the other language).
    const unsaved = localStorage.getItem(UNSAVED_LANGUAGE_KEY);
    if (isLanguage(unsaved) && unsaved !== data.language) {
      session.set(data);
      void saveLanguage(unsaved);
    } else {
      if (isLanguage(data.language)) await setLanguage(data.language);
      session.set(data);
    }
    void loadOrgs();
    return data;
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
    signedOut();
    return null;
  }
}

/** Show the app in ``next`` and, signed in, save it as the account's preference (e-mails and API
 * messages follow it). Until the save has gone through, the choice is kept as unsaved, so that a
 * reload meanwhile neither loses it nor falls back to the old preference. */
export async function saveLanguage(next: Language): Promise<void> {
  setLanguage(next);
  if (!session.get()) return;
  localStorage.setItem(UNSAVED_LANGUAGE_KEY, next);
  try {
    const current = await api.get<{ language: string }>("/api/me");
    if (current.data.language !== next) {
      await api.patch("/api/me", { language: next }, { ifMatch: current.etag });
    }
    if (localStorage.getItem(UNSAVED_LANGUAGE_KEY) === next) localStorage.removeItem(UNSAVED_LANGUAGE_KEY);
  } catch {
    // the UI already switched; the next load of the app tries again
  }
}

export function signedOut(): void {
  localStorage.removeItem(UNSAVED_LANGUAGE_KEY); // not the next person's preference to change
  localStorage.removeItem(SIGNED_IN_KEY);
  dropPrefetched();
  setCsrfToken(null);
  orgs.set([]);
  session.set(null);
}

/** The organisations the user is staff of (GET /api/me/orgs, every page), for the menu. */
export async function loadOrgs(): Promise<void> {
  try {
    orgs.set(await fetchAll<OrgMembership>("/api/me/orgs", "orgs", { anonymous: true }));
  } catch {
    // the menu shows no organisation entry; the organisation page itself still works
  }
}
