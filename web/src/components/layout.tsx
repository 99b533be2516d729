// Header (brand, navigation, language switch, sign-out), a skip link and the main landmark.
import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import { api } from "../lib/api";
import { type Language, language, setLanguage, t } from "../lib/i18n";
import { refreshUnread, unreadCount } from "../lib/notifications";
import { location, navigate } from "../lib/router";
import { orgs, session, signedOut } from "../lib/session";
import { useStore } from "../lib/store";
import { Link } from "./ui";

interface Profile {
  language: string;
}

/** Switch the UI language; signed in, it is also saved as the account's preference (e-mails
 * and API messages follow it). */
async function switchLanguage(next: Language): Promise<void> {
  setLanguage(next);
  if (!session.get()) return;
  try {
    const current = await api.get<Profile>("/api/me");
    if (current.data.language !== next) {
      await api.patch<Profile>("/api/me", { language: next }, { ifMatch: current.etag });
    }
  } catch {
    // the UI already switched; the preference is saved the next time the profile is saved
  }
}

async function signOut(): Promise<void> {
  try {
    await api.post("/api/auth/logout");
  } finally {
    signedOut();
    navigate("/login?signedOut=1");
  }
}

function NavLink({ href, children }: { href: string; children: ComponentChildren }) {
  const where = useStore(location);
  const active = where.path === href || where.path.startsWith(`${href}/`);
  return (
    <Link href={href} class="nav-link" aria-current={active ? "page" : undefined}>
      {children}
    </Link>
  );
}

export function Layout({ signedIn, skipLabel, children }: { signedIn: boolean; skipLabel: string; children: ComponentChildren }) {
  const lang = useStore(language);
  const where = useStore(location);
  const unread = useStore(unreadCount);
  const memberships = useStore(orgs);
  const other: Language = lang === "en" ? "de" : "en";

  useEffect(() => {
    if (signedIn) void refreshUnread();
  }, [signedIn, where.path]);

  return (
    <>
      <a class="skip-link" href="#main">
        {skipLabel}
      </a>
      <header class="site-header">
        <div class="header-row">
          <Link href={signedIn ? "/cases" : "/login"} class="brand">
            CaseDesk
          </Link>
          <div class="header-actions">
            <button
              type="button"
              class="button-quiet"
              lang={other}
              data-testid="language-switch"
              onClick={() => void switchLanguage(other)}
            >
              {t("web.layout.switchLanguage")}
            </button>
            {signedIn && (
              <button type="button" class="button-quiet" data-testid="sign-out" onClick={() => void signOut()}>
                {t("web.layout.signOut")}
              </button>
            )}
          </div>
        </div>
        {signedIn && (
          <nav aria-label={t("web.layout.navigation")}>
            <ul class="nav-list">
              <li>
                <NavLink href="/cases">{t("web.layout.cases")}</NavLink>
              </li>
              <li>
                <NavLink href="/notifications">
                  {t("web.layout.notifications")}
                  {unread > 0 && (
                    <span class="badge" data-testid="unread-badge">
                      <span class="visually-hidden">{t("web.layout.unread", { count: unread })}</span>
                      <span aria-hidden="true">{unread}</span>
                    </span>
                  )}
                </NavLink>
              </li>
              <li>
                <NavLink href="/profile">{t("web.layout.profile")}</NavLink>
              </li>
              {memberships
                .filter((m) => m.roles.includes("org_admin"))
                .map((m) => (
                  <li key={m.orgId}>
                    <NavLink href={`/orgs/${m.orgId}`}>{m.name || t("web.layout.organisation")}</NavLink>
                  </li>
                ))}
            </ul>
          </nav>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
