// Sign in: password first, then the second factor (authenticator code or a recovery code).
// Afterwards the user goes back where they were when the session ended (?next=…).
// "Sign in with Microsoft" where this CaseDesk offers it (issue 21): back from Microsoft without
// proof of MFA, the login challenge arrives in the fragment and the second step is asked here.
import { useEffect, useState } from "preact/hooks";
import { type FreshFactor, FreshFactorForm } from "../components/second-factor";
import { Field, FormError, Link, Notice, PageTitle, requiredError, useAction } from "../components/ui";
import { api, setCsrfToken } from "../lib/api";
import { entraEnabled, entraProblem, signInWithMicrosoft } from "../lib/entra";
import { t } from "../lib/i18n";
import { location, navigate, safeReturnPath } from "../lib/router";
import { loadSession } from "../lib/session";
import { useStore } from "../lib/store";

export function LoginPage() {
  const where = useStore(location);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [challenge, setChallenge] = useState<string | null>(null);
  const { busy, error, setError, run } = useAction();
  const next = safeReturnPath(where.query.get("next")) ?? "/cases";
  const [microsoft, setMicrosoft] = useState(false);
  const afterMicrosoft = where.query.get("entra") === "second_factor";

  useEffect(() => {
    void entraEnabled().then(setMicrosoft);
    const refused = entraProblem(where.query.get("entraError"));
    if (refused) setError(refused);
    // Back from Microsoft without proof of MFA: the challenge is in the fragment; take it out of
    // the address bar at once (it never reaches a server or the history).
    const fromHash = new URLSearchParams(window.location.hash.slice(1)).get("challenge");
    if (afterMicrosoft && fromHash) {
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
      setChallenge(fromHash);
    }
  }, []);

  const submitMicrosoft = () => {
    void run(async () => {
      await signInWithMicrosoft(next);
    });
  };

  const submitPassword = (event: Event) => {
    event.preventDefault();
    if (!email.trim()) return setError(requiredError("email"));
    if (!password) return setError(requiredError("password"));
    void run(async () => {
      const { data } = await api.post<{ challenge: string }>(
        "/api/auth/login",
        { email: email.trim(), password },
        { anonymous: true },
      );
      setChallenge(data.challenge);
      setPassword("");
    });
  };

  const submitFactor = async (factor: FreshFactor) => {
    const { data } = await api.post<{ csrfToken: string; recoveryCodesLeft?: number | null }>(
      "/api/auth/login/second-factor",
      { challenge, ...factor },
      { anonymous: true },
    );
    setCsrfToken(data.csrfToken);
    await loadSession();
    // A recovery code was used: the phone may be lost. Suggest a new authenticator first.
    if (typeof data.recoveryCodesLeft === "number") {
      return navigate(`/recovery-code-used?next=${encodeURIComponent(next)}`, { replace: true });
    }
    navigate(next, { replace: true });
  };

  return (
    <section class="narrow">
      <PageTitle>{t("web.login.title")}</PageTitle>
      {where.query.get("expired") && <Notice kind="warning">{t("web.login.expired")}</Notice>}
      {where.query.get("signedOut") && <Notice kind="success">{t("web.login.signedOut")}</Notice>}
      {where.query.get("reset") && <Notice kind="success">{t("web.login.resetDone")}</Notice>}
      {afterMicrosoft && challenge !== null && (
        <Notice kind="info">{t("web.entra.totpAfterMicrosoft")}</Notice>
      )}
      {challenge === null ? (
        <form onSubmit={submitPassword} noValidate data-testid="login-form">
          <FormError error={error} fields={["email", "password"]} />
          <Field
            label={t("web.login.email")}
            name="email"
            type="email"
            autoComplete="username"
            value={email}
            onValue={setEmail}
            error={error}
          />
          <Field
            label={t("web.login.password")}
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onValue={setPassword}
            error={error}
          />
          <div class="actions">
            <button type="submit" class="button" disabled={busy}>
              {t("web.login.continue")}
            </button>
            <Link href="/forgot-password">{t("web.login.forgot")}</Link>
          </div>
          {microsoft && (
            <div class="actions" data-testid="entra-sign-in">
              <span>{t("web.entra.or")}</span>
              <button type="button" class="button-quiet" disabled={busy} onClick={submitMicrosoft}>
                {t("web.entra.signIn")}
              </button>
            </div>
          )}
        </form>
      ) : (
        <FreshFactorForm
          testId="second-factor-form"
          intro={(recovery) => (recovery ? t("web.login.recoveryIntro") : t("web.login.codeIntro"))}
          submitLabel={t("web.login.signIn")}
          cancelLabel={t("web.login.startOver")}
          onSubmit={submitFactor}
          onCancel={() => {
            setChallenge(null);
            setError(null);
          }}
        />
      )}
    </section>
  );
}
