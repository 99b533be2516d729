// Header (brand, navigation, language switch, sign-out), a skip link and the main landmark. On a
// phone the navigation and sign-out sit behind a "Menu" button (a disclosure: Enter/Space open
// it, Escape closes it and returns to the button; a page change closes it) and the unread count
// moves onto that button, so the header stays one line (issue 24.9). The language switch stays
// in view: someone who cannot read the page must not have to find it in a menu.
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../lib/api";
import { type Language, language, t } from "../lib/i18n";
import { refreshUnread, unreadCount } from "../lib/notifications";
import { location, navigate } from "../lib/router";
import { orgs, saveLanguage, session, signedOut } from "../lib/session";
import { useStore } from "../lib/store";
import { Link } from "./ui";

async function signOut(): Promise<void> {
  try {
    await api.post("/api/auth/logout");
  } finally {
    signedOut();
    navigate("/login?signedOut=1");
  }
}

/** The header's phone layout (the menu button), in step with the stylesheet's breakpoint. */
const PHONE_QUERY = "(max-width: 47.99rem)";

function usePhoneLayout(): boolean {
  const [phone, setPhone] = useState(() => window.matchMedia(PHONE_QUERY).matches);
  useEffect(() => {
    const query = window.matchMedia(PHONE_QUERY);
    const follow = () => setPhone(query.matches);
    query.addEventListener("change", follow);
    return () => query.removeEventListener("change", follow);
  }, []);
  return phone;
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

export function Layout({
  signedIn,
  skipLabel,
  children,
}: {
  signedIn: boolean;
  skipLabel: string;
  children: ComponentChildren;
}) {
  const lang = useStore(language);
  const where = useStore(location);
  const unread = useStore(unreadCount);
  const memberships = useStore(orgs);
  const me = useStore(session);
  const other: Language = lang === "en" ? "de" : "en";
  const [menuOpen, setMenuOpen] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (signedIn) void refreshUnread();
    setMenuOpen(false);
  }, [signedIn, where.path]);

  const closeOnEscape = (event: KeyboardEvent) => {
    if (event.key !== "Escape" || !menuOpen) return;
    setMenuOpen(false);
    menuButton.current?.focus();
  };

  const phone = usePhoneLayout();
  const badge = unread > 0 && (
    <span class="badge" data-testid="unread-badge">
      <span class="visually-hidden">{t("web.layout.unread", { count: unread })}</span>
      <span aria-hidden="true">{unread}</span>
    </span>
  );

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
          <button
            type="button"
            class="button-quiet language-switch"
            lang={other}
            data-testid="language-switch"
            onClick={() => void saveLanguage(other)}
          >
            {t("web.layout.switchLanguage")}
          </button>
          {signedIn && (
            <button
              type="button"
              ref={menuButton}
              class="button-quiet menu-button"
              aria-expanded={menuOpen}
              aria-controls="site-menu"
              data-testid="menu-button"
              onClick={() => setMenuOpen(!menuOpen)}
            >
              {t("web.layout.menu")}
              {phone && badge}
            </button>
          )}
          {signedIn && (
            <div
              id="site-menu"
              class={menuOpen ? "site-menu is-open" : "site-menu"}
              data-testid="site-menu"
              onKeyDown={closeOnEscape}
            >
              <nav aria-label={t("web.layout.navigation")}>
                <ul class="nav-list">
                  <li>
                    <NavLink href="/cases">{t("web.layout.cases")}</NavLink>
                  </li>
                  <li>
                    <NavLink href="/notifications">
                      {t("web.layout.notifications")}
                      {!phone && badge}
                    </NavLink>
                  </li>
                  <li>
                    <NavLink href="/profile">{t("web.layout.profile")}</NavLink>
                  </li>
                  <li>
                    <NavLink href="/welcome">{t("web.layout.help")}</NavLink>
                  </li>
                  {me?.kind === "operator" && (
                    <li>
                      <NavLink href="/support">{t("web.support.title")}</NavLink>
                    </li>
                  )}
                  {memberships
                    .filter((m) => m.roles.includes("org_admin"))
                    .map((m) => (
                      <li key={m.orgId}>
                        <NavLink href={`/orgs/${m.orgId}`}>{m.name || t("web.layout.organisation")}</NavLink>
                      </li>
                    ))}
                </ul>
              </nav>
              <button
                type="button"
                class="button-quiet sign-out"
                data-testid="sign-out"
                onClick={() => void signOut()}
              >
                {t("web.layout.signOut")}
              </button>
            </div>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
