// Sign-in with Microsoft Entra ID (issue 21). A flow starts with a POST that answers the
// authority's URL (and sets the pre-login cookie); the browser goes there, and Entra sends it
// back to the API's callback, which redirects to a page of the app: with ?entra=<what happened>,
// or ?entraError=<problem code> (its text is in the shared catalogs, errors.<code>).
import { ApiError, api } from "./api";
import { t } from "./i18n";

let offered: Promise<boolean> | null = null;

/** Whether this CaseDesk offers "Sign in with Microsoft" (asked once per page load). */
export function entraEnabled(): Promise<boolean> {
  offered ??= api
    .get<{ enabled: boolean }>("/api/auth/entra", { anonymous: true })
    .then(({ data }) => data.enabled)
    .catch(() => false);
  return offered;
}

/** Start a flow at ``path`` and leave for Microsoft's sign-in page. */
export async function startEntra(
  path: string,
  body: Record<string, unknown>,
  anonymous = false,
): Promise<void> {
  const { data } = await api.post<{ authorizeUrl: string }>(path, body, { anonymous });
  window.location.assign(data.authorizeUrl);
}

/** Sign in with Microsoft, then come back to ``returnTo``. */
export const signInWithMicrosoft = (returnTo: string) =>
  startEntra("/api/auth/entra/start", { returnTo }, true);

/** A fresh Microsoft sign-in for this session (step-up, e.g. before activating a support grant). */
export const stepUp = (returnTo: string) => startEntra("/api/auth/entra/step-up", { returnTo });

/** The problem a failed flow came back with (``?entraError=``), as the API would have answered it. */
export function entraProblem(code: string | null): ApiError | null {
  if (!code || !/^[a-z_]{3,40}$/.test(code)) return null;
  const known = t(`errors.${code}.title`) !== `errors.${code}.title`;
  const key = known ? code : "entra_failed";
  return new ApiError(401, key, t(`errors.${key}.title`), t(`errors.${key}.detail`));
}
