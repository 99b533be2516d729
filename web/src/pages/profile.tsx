// My account: name, language and e-mail notices (saved with the profile's ETag), my sessions
// (end any other), password change (ends the other sessions), and links to "who accessed my
// data" and the introduction; download my data and delete my account (components/my-data.tsx).
import { useEffect, useState } from "preact/hooks";
import { languageOptions } from "../components/labels";
import { Checkbox, Field, FormError, Link, Loaded, Notice, PageTitle, PagedLoaded, Select, requiredError, useAction, useResource } from "../components/ui";
import { ApiError, api } from "../lib/api";
import { formatDateTime, isLanguage, setLanguage, t } from "../lib/i18n";
import { usePagedList } from "../lib/paging";
import { loadSession } from "../lib/session";
import { DataExport, DeleteAccount } from "../components/my-data";

interface Profile {
  userId: string;
  email: string;
  name: string;
  language: string;
  emailNotifications: boolean;
}

interface SessionInfo {
  sessionId: string;
  client: string;
  createdAt: string;
  lastSeenAt: string;
  current: boolean;
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
        const body = { name: draft.name.trim(), language: draft.language, emailNotifications: draft.emailNotifications };
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
  return (
    <Loaded data={loaded.data} error={loaded.error}>
      {() =>
        draft && (
          <form onSubmit={submit} noValidate class="card" data-testid="profile-form">
            <h2>{t("web.profile.detailsTitle")}</h2>
            {saved && <Notice kind="success">{t("web.profile.saved")}</Notice>}
            <FormError error={error} fields={["name", "language", "emailNotifications"]} />
            <p>
              {t("web.profile.emailIs")} <strong>{draft.email}</strong>
            </p>
            <Field label={t("web.people.name")} name="name" autoComplete="name" value={draft.name} onValue={(name) => setDraft({ ...draft, name })} error={error} />
            <Select label={t("web.profile.language")} name="language" value={draft.language} onValue={(language) => setDraft({ ...draft, language })} options={languageOptions()} error={error} />
            <Checkbox name="emailNotifications" label={t("web.profile.emailNotifications")} checked={draft.emailNotifications} onChecked={(on) => setDraft({ ...draft, emailNotifications: on })} error={error} />
            <div class="actions">
              <button type="submit" class="button" disabled={busy}>
                {t("web.common.save")}
              </button>
            </div>
          </form>
        )
      }
    </Loaded>
  );
}

function Sessions() {
  const sessions = usePagedList<SessionInfo>("/api/me/sessions", "sessions");
  const { busy, error, run } = useAction();
  return (
    <section class="card">
      <h2>{t("web.profile.sessionsTitle")}</h2>
      <FormError error={error} />
      <PagedLoaded list={sessions} label={t("web.profile.sessionsTitle")}>
        {(list) => (
          <ul class="people" data-testid="sessions">
            {list.map((s) => (
              <li key={s.sessionId} class="person">
                <span class="person-name">{s.client}</span>
                <span class="muted">{t("web.profile.lastSeen", { date: formatDateTime(s.lastSeenAt) })}</span>
                {s.current ? (
                  <span class="tag">{t("web.profile.thisSession")}</span>
                ) : (
                  <button
                    type="button"
                    class="button-quiet danger"
                    disabled={busy}
                    onClick={() =>
                      void run(async () => {
                        await api.delete(`/api/me/sessions/${s.sessionId}`);
                        sessions.reload();
                      })
                    }
                  >
                    {t("web.profile.endSession")}
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </PagedLoaded>
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
    if (next !== repeat) return setError(new ApiError(0, "mismatch", t("web.password.mismatchTitle"), t("web.password.mismatch"), "repeat"));
    void run(async () => {
      const { data } = await api.post<{ otherSessionsEnded: number }>("/api/me/password", { currentPassword: current, newPassword: next });
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
      <Field label={t("web.profile.currentPassword")} name="currentPassword" type="password" autoComplete="current-password" value={current} onValue={setCurrent} error={error} />
      <Field label={t("web.password.new")} hint={t("web.password.hint")} name="newPassword" type="password" autoComplete="new-password" value={next} onValue={setNext} error={error} />
      <Field label={t("web.password.repeat")} name="repeat" type="password" autoComplete="new-password" value={repeat} onValue={setRepeat} error={error} />
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
      <Sessions />
      <PasswordChange />
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
    </section>
  );
}
