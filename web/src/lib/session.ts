// Who is signed in. The session cookie is HttpOnly, so after a reload the app asks the API
// (GET /api/auth/session), which also hands back the CSRF token for state-changing requests.
import { ApiError, api, setCsrfToken } from "./api";
import { isLanguage, setLanguage } from "./i18n";
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

export async function loadSession(): Promise<Session | null> {
  try {
    const { data } = await api.get<Session>("/api/auth/session", { anonymous: true });
    setCsrfToken(data.csrfToken);
    if (isLanguage(data.language)) setLanguage(data.language);
    session.set(data);
    void loadOrgs();
    return data;
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
    signedOut();
    return null;
  }
}

export function signedOut(): void {
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
