// The app shell: checks the session once, guards the routes that need one, sends the user to
// sign in (and back) when the session ends, and to the consent step when the terms changed. Each
// page is its own chunk, fetched when the app first goes there, together with the page's first
// data (decision 040).
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Layout } from "./components/layout";
import { Loading } from "./components/ui";
import { authHandlers, prefetch } from "./lib/api";
import { language, t } from "./lib/i18n";
import {
  type Location,
  chunkArrived,
  here,
  location,
  match,
  navigate,
  reloadForNewVersion,
} from "./lib/router";
import { loadSession, probablySignedIn, session, signedOut } from "./lib/session";
import { useStore } from "./lib/store";
import { NotFoundPage } from "./pages/not-found";

type Params = Record<string, string>;
type Page = ComponentType<{ params: Params }>;
/** A page's own chunk: Vite splits the bundle at each import() (issue 29). */
type PageChunk = () => Promise<Page>;

interface Route {
  pattern: string;
  page: PageChunk;
  /** Needs a session (else: sign in first, and back). */
  session: boolean;
  /** The GETs the page makes first, by the very paths it asks for: started with its chunk, so
   * the data is on its way while the page's code is (issue 24.8; see ``goingTo``). */
  preload?: (params: Params) => string[];
}

// Routes that show the same page share its chunk function: going between them keeps the page.
const casePage: PageChunk = () => import("./pages/case").then((m) => m.CasePage);
/** A case tab's first list (the tab shows after the case summary: asked for beside it). */
const CASE_TAB_LISTS: Record<string, (caseId: string) => string> = {
  documents: (caseId) => `/api/cases/${caseId}/documents`,
  notes: (caseId) => `/api/cases/${caseId}/notes`,
  plan: (caseId) => `/api/cases/${caseId}/plan`,
};
const caseData = ({ caseId, tab }: Params) => [
  `/api/cases/${caseId}`,
  ...(tab && CASE_TAB_LISTS[tab] ? [CASE_TAB_LISTS[tab](caseId)] : []),
];

/** First match wins. */
const ROUTES: Route[] = [
  { pattern: "/login", page: () => import("./pages/login").then((m) => m.LoginPage), session: false },
  {
    pattern: "/onboarding",
    page: () => import("./pages/onboarding").then((m) => m.OnboardingPage),
    session: false,
  },
  {
    pattern: "/forgot-password",
    page: () => import("./pages/password-reset").then((m) => m.ForgotPasswordPage),
    session: false,
  },
  {
    pattern: "/reset-password",
    page: () => import("./pages/password-reset").then((m) => m.ResetPasswordPage),
    session: false,
  },
  { pattern: "/verify", page: () => import("./pages/verify").then((m) => m.VerifyPage), session: false },
  { pattern: "/consent", page: () => import("./pages/consent").then((m) => m.ConsentPage), session: true },
  {
    pattern: "/welcome",
    page: () => import("./pages/welcome").then((m) => m.WelcomePage),
    session: true,
    preload: () => ["/api/me"],
  },
  {
    pattern: "/recovery-code-used",
    page: () => import("./pages/recovery-prompt").then((m) => m.RecoveryPromptPage),
    session: true,
    preload: () => ["/api/me"],
  },
  {
    pattern: "/cases",
    page: () => import("./pages/cases").then((m) => m.CasesPage),
    session: true,
    preload: () => ["/api/me/cases"],
  },
  { pattern: "/cases/:caseId", page: casePage, session: true, preload: caseData },
  {
    pattern: "/cases/:caseId/access-review",
    page: () => import("./pages/access-review").then((m) => m.AccessReviewPage),
    session: true,
    preload: ({ caseId }) => [`/api/cases/${caseId}/access-review`],
  },
  { pattern: "/cases/:caseId/:tab", page: casePage, session: true, preload: caseData },
  {
    pattern: "/cases/:caseId/seen-by/:userId",
    page: () => import("./pages/seen-by").then((m) => m.SeenByPage),
    session: true,
    preload: ({ caseId }) => [`/api/cases/${caseId}`],
  },
  {
    pattern: "/notifications",
    page: () => import("./pages/notifications").then((m) => m.NotificationsPage),
    session: true,
    preload: () => ["/api/me/notifications?unread=false"],
  },
  {
    pattern: "/profile",
    page: () => import("./pages/profile").then((m) => m.ProfilePage),
    session: true,
    preload: () => ["/api/me", "/api/me/sessions"],
  },
  {
    pattern: "/accesses",
    page: () => import("./pages/accesses").then((m) => m.AccessesPage),
    session: true,
    preload: () => ["/api/me/accesses"],
  },
  {
    pattern: "/orgs/:orgId",
    page: () => import("./pages/org").then((m) => m.OrgPage),
    session: true,
    preload: ({ orgId }) => [`/api/orgs/${orgId}/staff`, `/api/orgs/${orgId}/invitations`],
  },
  {
    pattern: "/orgs/:orgId/audit",
    page: () => import("./pages/audit").then((m) => m.AuditPage),
    session: true,
    preload: ({ orgId }) => [`/api/orgs/${orgId}/staff`, `/api/orgs/${orgId}/audit?`],
  },
  {
    pattern: "/orgs/:orgId/cases",
    page: () => import("./pages/org-cases").then((m) => m.OrgCasesPage),
    session: true,
    preload: ({ orgId }) => [`/api/orgs/${orgId}/cases`],
  },
  {
    pattern: "/orgs/:orgId/temporary-access",
    page: () => import("./pages/temp-access").then((m) => m.TempAccessPage),
    session: true,
    preload: ({ orgId }) => [`/api/orgs/${orgId}/temporary-access`],
  },
  {
    pattern: "/orgs/:orgId/support",
    page: () => import("./pages/org-support").then((m) => m.OrgSupportPage),
    session: true,
    preload: ({ orgId }) => [
      `/api/orgs/${orgId}/support-grants?pending=true`,
      `/api/orgs/${orgId}/support-grants`,
    ],
  },
  {
    pattern: "/support",
    page: () => import("./pages/support").then((m) => m.SupportPage),
    session: true,
    preload: () => ["/api/support/grants"],
  },
  {
    pattern: "/support/grants/:grantId",
    page: () => import("./pages/support-grant").then((m) => m.SupportGrantPage),
    session: true,
    preload: ({ grantId }) => [
      `/api/support/grants/${grantId}/cases`,
      `/api/support/grants/${grantId}/audit`,
      `/api/support/grants/${grantId}/failures`,
    ],
  },
];

/** What every signed-in page asks for besides its own data: the header's unread count
 * (components/layout.tsx) and the organisations for the menu (lib/session.ts). */
const SHELL_DATA = ["/api/me/notifications/unread-count", "/api/me/orgs"];

function routeOf(path: string): [Route, Params] | null {
  for (const route of ROUTES) {
    const params = match(route.pattern, path);
    if (params) return [route, params];
  }
  return null;
}

// Each page's chunk, once asked for, and the page once it is in.
const chunks = new Map<PageChunk, Promise<Page>>();
const pages = new Map<PageChunk, Page>();

function loadChunk(chunk: PageChunk): Promise<Page> {
  let pending = chunks.get(chunk);
  if (!pending) {
    pending = chunk().then(
      (page) => {
        pages.set(chunk, page);
        return page;
      },
      (error: unknown) => {
        chunks.delete(chunk); // the next visit tries again
        throw error;
      },
    );
    chunks.set(chunk, pending);
  }
  return pending;
}

/** The app goes to ``where``: fetch the page's chunk now and, the first time it is fetched (the
 * page will then surely mount afresh and make its first GETs), those GETs with it — only with a
 * session, so a visitor never sees a request fail. One rule for the first load (session check,
 * chunk and data at once) and every later first visit of a page (chunk and data at once). */
function goingTo(where: Location, signedIn: boolean, alsoAsk: string[] = []): Promise<unknown> {
  const found = routeOf(where.path);
  if (!found) return Promise.resolve();
  const [route, params] = found;
  const first = !chunks.has(route.page);
  const chunk = loadChunk(route.page).catch(() => undefined);
  if (first && signedIn && route.session) prefetch([...alsoAsk, ...(route.preload?.(params) ?? [])]);
  return chunk;
}

location.subscribe(() => {
  const me = session.get();
  void goingTo(location.get(), Boolean(me && !me.consentRequired));
});

/** The first load (main.tsx, before the first render): the session check, the page's chunk and,
 * when this browser had a session, the page's data, all at the same time. Answers when the
 * page's chunk is in (or could not be fetched): main.tsx renders then, so the first paint is the
 * page's frame, not a "Loading…" line replaced a moment later. */
export function start(): Promise<unknown> {
  void loadSession();
  return goingTo(location.get(), probablySignedIn(), SHELL_DATA);
}

/** The page of ``route``: at once when its chunk is in, else undefined until it is (null when it
 * cannot be fetched). */
function usePage(route: Route | null): Page | null | undefined {
  const chunk = route?.page;
  const [failed, setFailed] = useState<PageChunk | null>(null);
  const [, arrived] = useState(0);
  const page = chunk ? pages.get(chunk) : NotFoundPage;
  useEffect(() => {
    if (!chunk || page) return;
    // Also when the chunk came in between this render and now: render again with it.
    let live = true;
    loadChunk(chunk).then(
      () => {
        chunkArrived();
        if (live) arrived((n) => n + 1);
      },
      () => {
        // A new version deployed meanwhile: load the page afresh, once; offline, say so.
        if (live && !reloadForNewVersion()) setFailed(chunk);
      },
    );
    return () => {
      live = false;
    };
  }, [chunk, page]);
  return page ?? (failed === chunk ? null : undefined);
}

const PUBLIC_ONLY = new Set(["/login", "/forgot-password", "/reset-password"]);

authHandlers.onSessionLost = () => {
  if (session.get() === null) return;
  signedOut();
  navigate(`/login?expired=1&next=${encodeURIComponent(here())}`, { replace: true });
};

authHandlers.onConsentRequired = () => {
  if (window.location.pathname !== "/consent") {
    navigate(`/consent?next=${encodeURIComponent(here())}`, { replace: true });
  }
};

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return <Loading />;
}

export function App() {
  const lang = useStore(language);
  const where = useStore(location);
  const me = useStore(session);
  const found = routeOf(where.path);
  const Page = usePage(found?.[0] ?? null);

  useEffect(() => {
    document.documentElement.lang = lang;
    const title = document.getElementById("page-title")?.textContent;
    document.title = title ? `${title} · CaseDesk` : "CaseDesk";
  });

  if (me === undefined) return <Loading />;
  if (where.path === "/")
    return <Redirect to={me ? (me.kind === "operator" ? "/support" : "/cases") : "/login"} />;

  const [route, params] = found ?? [null, {}];
  if (route?.session && !me) return <Redirect to={`/login?next=${encodeURIComponent(here())}`} />;
  if (me && PUBLIC_ONLY.has(where.path)) return <Redirect to="/cases" />;
  if (me?.consentRequired && where.path !== "/consent") {
    return <Redirect to={`/consent?next=${encodeURIComponent(here())}`} />;
  }
  return (
    <Layout signedIn={Boolean(me)} skipLabel={t("web.layout.skip")}>
      {Page ? (
        <Page params={params} />
      ) : Page === null ? (
        <div class="alert alert-error" role="alert">
          <strong>{t("web.errors.networkTitle")}</strong> {t("web.errors.network")}
        </div>
      ) : (
        <Loading />
      )}
    </Layout>
  );
}
