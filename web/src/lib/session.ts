// Who is signed in. The session cookie is HttpOnly, so after a reload the app asks the API
// (GET /api/auth/session), which also hands back the CSRF token for state-changing requests.
import { ApiError, api, setCsrfToken } from "./api";
import { isLanguage, setLanguage } from "./i18n";
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

const KNOWN_ORGS = "casedesk.orgs";

/** Remember an organisation the user administers (its page was opened), for the menu. */
export function rememberOrg(orgId: string): void {
  const known = new Set<string>(JSON.parse(localStorage.getItem(KNOWN_ORGS) ?? "[]") as string[]);
  known.add(orgId);
  localStorage.setItem(KNOWN_ORGS, JSON.stringify([...known]));
  void loadOrgs();
}

/** The organisations the user is staff of: from GET /api/me/orgs where the API offers it, else
 * what the user's cases (as case manager) and previously opened organisation pages tell. */
export async function loadOrgs(): Promise<void> {
  try {
    const { data } = await api.get<{ orgs: OrgMembership[] }>("/api/me/orgs", { anonymous: true });
    orgs.set(data.orgs);
    return;
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) return;
  }
  const found = new Map<string, OrgMembership>();
  try {
    const { data } = await api.get<{ cases: { orgId: string; orgName: string; role: string }[] }>(
      "/api/me/cases",
      { anonymous: true },
    );
    for (const c of data.cases) {
      if (c.role === "case_manager") found.set(c.orgId, { orgId: c.orgId, name: c.orgName, roles: ["case_manager"] });
    }
  } catch {
    // the menu simply shows fewer entries
  }
  for (const orgId of JSON.parse(localStorage.getItem(KNOWN_ORGS) ?? "[]") as string[]) {
    if (!found.has(orgId)) found.set(orgId, { orgId, name: "", roles: ["org_admin"] });
  }
  orgs.set([...found.values()]);
}
