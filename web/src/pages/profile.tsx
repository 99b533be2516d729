// My account: name, language and e-mail notices (saved with the profile's ETag), my sessions
// ("Firefox on Windows · last active 5 minutes ago · this device"; end one or every other), the
// second factor (new recovery codes, a new authenticator — both after a fresh code), password
// change (ends the other sessions), and links to "who accessed my data" and the introduction;
// download my data and delete my account (components/my-data.tsx).
import { useEffect, useState } from "preact/hooks";
import { languageOptions } from "../components/labels";
import { NewPasswordFields, mismatchError } from "../components/new-password";
import {
  Checkbox,
  Field,
  FormError,
  Link,
  Loaded,
  Notice,
  PageTitle,
  PagedLoaded,
  Select,
  requiredError,
  useAction,
  useResource,
} from "../components/ui";
import { ApiError, api } from "../lib/api";
import { formatDateTime, formatRelative, isLanguage, setLanguage, t } from "../lib/i18n";
import { usePagedList } from "../lib/paging";
import { loadSession } from "../lib/session";
import { DataExport, DeleteAccount } from "../components/my-data";
import { SecondFactor } from "../components/second-factor-settings";
import { EntraLinkCard } from "../components/entra";
import type * as Api from "../lib/api-types";

/** The part of the profile this form edits. */
type Profile = Pick<Api.MyProfile, "userId" | "email" | "name" | "language" | "emailNotifications">;

type SessionInfo = Api.MySession;

/** "Firefox on Windows" in the reader's language; the raw User-Agent stays in the tooltip. */
function deviceName(s: SessionInfo): string {
  return t("web.profile.device", {
    browser: s.browser ?? t("web.profile.unknownBrowser"),
    system: s.system ?? t("web.profile.unknownSystem"),
  });
}

function ProfileForm() {
  const loaded = useResource(() => api.get<Profile>("/api/me"), []);
  const [draft, setDraft] = useState<Profile | null>(null);
  const [saved, setSaved] = useState(false);
  const { busy, error, setError, run } = useAction();
  useEffect(() => {
    if (loaded.data) setDraft(loaded.data.data);
  }, [loaded.data]);
  const submit = (event: Event) => {
    event.preventDefault();
    if (!draft) return;
    if (!draft.name.trim()) return setError(requiredError("name"));
    setSaved(false);
    void run(async () => {
      try {
        const body = {
          name: draft.name.trim(),
          language: draft.language,
          emailNotifications: draft.emailNotifications,
        };
        await api.patch<Profile>("/api/me", body, { ifMatch: loaded.data?.etag });
      } catch (caught) {
        if (caught instanceof ApiError && caught.status === 412) loaded.reload();
        throw caught;
      }
      if (isLanguage(draft.language)) setLanguage(draft.language);
      setSaved(true);
      loaded.reload();
      await loadSession();
    });
  };
  if (loaded.error)
    return (
      <Loaded data={undefined} error={loaded.error}>
        {() => null}
      </Loaded>
    );
  // The form stands from the first paint, disabled and empty until the profile is in: nothing
  // below it moves when it arrives (issue 24.8).
  const shown = draft ?? PENDING_PROFILE;
  const edit = (changes: Partial<Profile>) => draft && setDraft({ ...draft, ...changes });
  return (
    <form onSubmit={submit} noValidate class="card" data-testid="profile-form" aria-busy={!draft}>
      <h2>{t("web.profile.detailsTitle")}</h2>
      {saved && <Notice kind="success">{t("web.profile.saved")}</Notice>}
      <FormError error={error} fields={["name", "language", "emailNotifications"]} />
      {/* Label and address on lines of their own: a long address wrapping after it loads would
          push the form down. */}
      <p class="labelled-value">
        <span>{t("web.profile.emailIs")}</span>
        <strong>{draft ? draft.email : "…"}</strong>
      </p>
      <fieldset class="plain" disabled={!draft}>
        <Field
          label={t("web.people.name")}
          name="name"
          autoComplete="name"
          value={shown.name}
          onValue={(name) => edit({ name })}
          error={error}
        />
        <Select
          label={t("web.profile.language")}
          name="language"
          value={shown.language}
          onValue={(language) => edit({ language: language as Profile["language"] })}
          options={languageOptions()}
          error={error}
        />
        <Checkbox
          name="emailNotifications"
          label={t("web.profile.emailNotifications")}
          checked={shown.emailNotifications}
          onChecked={(on) => edit({ emailNotifications: on })}
          error={error}
        />
        <div class="actions">
          <button type="submit" class="button" disabled={busy}>
            {t("web.common.save")}
          </button>
        </div>
      </fieldset>
    </form>
  );
}

/** What the form shows while the profile loads (disabled). */
const PENDING_PROFILE: Profile = {
  userId: "",
  email: "",
  name: "",
  language: "en",
  emailNotifications: false,
};

function Sessions() {
  const sessions = usePagedList<SessionInfo>("/api/me/sessions", "sessions");
  const [ended, setEnded] = useState<number | null>(null);
  const { busy, error, run } = useAction();
  const others = (sessions.items ?? []).some((s) => !s.current);
  return (
    <section class="card" data-testid="sessions-card">
      <h2>{t("web.profile.sessionsTitle")}</h2>
      {ended !== null && <Notice kind="success">{t("web.profile.othersEnded", { count: ended })}</Notice>}
      <FormError error={error} />
      <PagedLoaded list={sessions} label={t("web.profile.sessionsTitle")}>
        {(list) => (
          <ul class="people sessions" data-testid="sessions">
            {/* This device first, then the others newest first (as the API lists them). */}
            {[...list.filter((s) => s.current), ...list.filter((s) => !s.current)].map((s) => (
              <li key={s.sessionId} class="person">
                <span class="session-line">
                  <span class="person-name" title={s.client}>
                    {deviceName(s)}
                  </span>
                  <span class="muted">
                    {" · "}
                    <time dateTime={s.lastSeenAt} title={formatDateTime(s.lastSeenAt)}>
                      {t("web.profile.lastActive", { when: formatRelative(s.lastSeenAt) })}
                    </time>
                  </span>
                  {s.current && (
                    <>
                      {" · "}
                      <span class="tag">{t("web.profile.thisSession")}</span>
                    </>
                  )}
                </span>
                {!s.current && (
                  <span class="person-actions">
                    <button
                      type="button"
                      class="button-quiet danger"
                      disabled={busy}
                      aria-label={`${t("web.profile.endSession")}: ${deviceName(s)}`}
                      onClick={() =>
                        void run(async () => {
                          await api.delete(`/api/me/sessions/${s.sessionId}`);
                          sessions.reload();
                        })
                      }
                    >
                      {t("web.profile.endSession")}
                    </button>
                  </span>
                )}
              </li>
            ))}
          </ul>
        )}
      </PagedLoaded>
      {others && (
        <div class="actions">
          <button
            type="button"
            class="button-quiet danger"
            disabled={busy}
            data-testid="end-other-sessions"
            onClick={() =>
              void run(async () => {
                const { data } = await api.delete<{ ended: number }>("/api/me/other-sessions");
                setEnded(data.ended);
                sessions.reload();
              })
            }
          >
            {t("web.profile.endOthers")}
          </button>
        </div>
      )}
    </section>
  );
}

function PasswordChange() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [ended, setEnded] = useState<number | null>(null);
  const { busy, error, setError, run } = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    if (!current) return setError(requiredError("currentPassword"));
    if (!next) return setError(requiredError("newPassword"));
    const mismatch = mismatchError(next, repeat);
    if (mismatch) return setError(mismatch);
    void run(async () => {
      const { data } = await api.post<{ otherSessionsEnded: number }>("/api/me/password", {
        currentPassword: current,
        newPassword: next,
      });
      setEnded(data.otherSessionsEnded);
      setCurrent("");
      setNext("");
      setRepeat("");
    });
  };
  return (
    <form onSubmit={submit} noValidate class="card" data-testid="password-change">
      <h2>{t("web.profile.passwordTitle")}</h2>
      {ended !== null && <Notice kind="success">{t("web.profile.passwordChanged", { count: ended })}</Notice>}
      <FormError error={error} fields={["currentPassword", "newPassword", "repeat"]} />
      <Field
        label={t("web.profile.currentPassword")}
        name="currentPassword"
        type="password"
        autoComplete="current-password"
        value={current}
        onValue={setCurrent}
        error={error}
      />
      <NewPasswordFields
        name="newPassword"
        password={next}
        repeat={repeat}
        onPassword={setNext}
        onRepeat={setRepeat}
        error={error}
      />
      <div class="actions">
        <button type="submit" class="button" disabled={busy}>
          {t("web.profile.changePassword")}
        </button>
      </div>
    </form>
  );
}

export function ProfilePage() {
  return (
    <section class="stack">
      <PageTitle>{t("web.profile.title")}</PageTitle>
      <ProfileForm />
      {/* The static form above the cards that load: nothing moves when they arrive (issue 24.8). */}
      <PasswordChange />
      <SecondFactor />
      <Sessions />
      <section class="card">
        <h2>{t("web.profile.privacyTitle")}</h2>
        <ul>
          <li>
            <Link href="/accesses">{t("web.accesses.title")}</Link>
          </li>
          <li>
            <Link href="/welcome">{t("web.profile.showIntro")}</Link>
          </li>
        </ul>
      </section>
      <DataExport />
      <DeleteAccount />
      {/* Last: it appears only where Microsoft sign-in is offered, and moves nothing above it. */}
      <EntraLinkCard />
    </section>
  );
}
