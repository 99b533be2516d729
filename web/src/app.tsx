// The app shell: checks the session once, guards the routes that need one, sends the user to
// sign in (and back) when the session ends, and to the consent step when the terms changed.
import type { ComponentType } from "preact";
import { useEffect } from "preact/hooks";
import { Layout } from "./components/layout";
import { Loading } from "./components/ui";
import { authHandlers } from "./lib/api";
import { language, t } from "./lib/i18n";
import { here, location, match, navigate } from "./lib/router";
import { loadSession, session, signedOut } from "./lib/session";
import { useStore } from "./lib/store";
import { AccessesPage } from "./pages/accesses";
import { AccessReviewPage } from "./pages/access-review";
import { AuditPage } from "./pages/audit";
import { CasePage } from "./pages/case";
import { CasesPage } from "./pages/cases";
import { ConsentPage } from "./pages/consent";
import { ForgotPasswordPage, ResetPasswordPage } from "./pages/password-reset";
import { LoginPage } from "./pages/login";
import { NotFoundPage } from "./pages/not-found";
import { NotificationsPage } from "./pages/notifications";
import { OnboardingPage } from "./pages/onboarding";
import { OrgPage } from "./pages/org";
import { OrgCasesPage } from "./pages/org-cases";
import { ProfilePage } from "./pages/profile";
import { RecoveryPromptPage } from "./pages/recovery-prompt";
import { SeenByPage } from "./pages/seen-by";
import { TempAccessPage } from "./pages/temp-access";
import { OrgSupportPage } from "./pages/org-support";
import { SupportPage } from "./pages/support";
import { SupportGrantPage } from "./pages/support-grant";
import { VerifyPage } from "./pages/verify";
import { WelcomePage } from "./pages/welcome";

type Page = ComponentType<{ params: Record<string, string> }>;

/** [pattern, page, needs a session] — first match wins. */
const ROUTES: [string, Page, boolean][] = [
  ["/login", LoginPage, false],
  ["/onboarding", OnboardingPage, false],
  ["/forgot-password", ForgotPasswordPage, false],
  ["/reset-password", ResetPasswordPage, false],
  ["/verify", VerifyPage, false],
  ["/consent", ConsentPage, true],
  ["/welcome", WelcomePage, true],
  ["/recovery-code-used", RecoveryPromptPage, true],
  ["/cases", CasesPage, true],
  ["/cases/:caseId", CasePage, true],
  ["/cases/:caseId/access-review", AccessReviewPage, true],
  ["/cases/:caseId/:tab", CasePage, true],
  ["/cases/:caseId/seen-by/:userId", SeenByPage, true],
  ["/notifications", NotificationsPage, true],
  ["/profile", ProfilePage, true],
  ["/accesses", AccessesPage, true],
  ["/orgs/:orgId", OrgPage, true],
  ["/orgs/:orgId/audit", AuditPage, true],
  ["/orgs/:orgId/cases", OrgCasesPage, true],
  ["/orgs/:orgId/temporary-access", TempAccessPage, true],
  ["/orgs/:orgId/support", OrgSupportPage, true],
  ["/support", SupportPage, true],
  ["/support/grants/:grantId", SupportGrantPage, true],
];

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

  useEffect(() => {
    void loadSession();
  }, []);

  useEffect(() => {
    document.documentElement.lang = lang;
    const title = document.getElementById("page-title")?.textContent;
    document.title = title ? `${title} · CaseDesk` : "CaseDesk";
  });

  if (me === undefined) return <Loading />;
  if (where.path === "/") return <Redirect to={me ? (me.kind === "operator" ? "/support" : "/cases") : "/login"} />;

  let page: Page = NotFoundPage;
  let params: Record<string, string> = {};
  let needsSession = false;
  for (const [pattern, component, auth] of ROUTES) {
    const found = match(pattern, where.path);
    if (found) {
      [page, params, needsSession] = [component, found, auth];
      break;
    }
  }
  if (needsSession && !me) return <Redirect to={`/login?next=${encodeURIComponent(here())}`} />;
  if (me && PUBLIC_ONLY.has(where.path)) return <Redirect to="/cases" />;
  if (me?.consentRequired && where.path !== "/consent") {
    return <Redirect to={`/consent?next=${encodeURIComponent(here())}`} />;
  }
  const Page = page;
  return (
    <Layout signedIn={Boolean(me)} skipLabel={t("web.layout.skip")}>
      <Page params={params} />
    </Layout>
  );
}
