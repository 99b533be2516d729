// Forgotten password: ask for an e-mail link; the link's page sets a new password and still
// needs the second factor (SPEC journey 3).
import { useState } from "preact/hooks";
import { Field, FormError, Link, Notice, PageTitle, requiredError, useAction } from "../components/ui";
import { api } from "../lib/api";
import { forgetToken, takeFragmentToken } from "../lib/fragment";
import { t } from "../lib/i18n";
import { navigate } from "../lib/router";

export function ForgotPasswordPage() {
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState(false);
  const { busy, error, setError, run } = useAction();

  const submit = (event: Event) => {
    event.preventDefault();
    if (!email.trim()) return setError(requiredError("email"));
    void run(async () => {
      await api.post("/api/auth/password-reset", { email: email.trim() }, { anonymous: true });
      setSent(true);
    });
  };

  return (
    <section class="narrow">
      <PageTitle>{t("web.reset.requestTitle")}</PageTitle>
      {sent ? (
        <Notice kind="success">{t("web.reset.sent")}</Notice>
      ) : (
        <form onSubmit={submit} noValidate>
          <p>{t("web.reset.requestIntro")}</p>
          <FormError error={error} fields={["email"]} />
          <Field
            label={t("web.login.email")}
            name="email"
            type="email"
            autoComplete="email"
            value={email}
            onValue={setEmail}
            error={error}
          />
          <div class="actions">
            <button type="submit" class="button" disabled={busy}>
              {t("web.reset.send")}
            </button>
          </div>
        </form>
      )}
      <p>
        <Link href="/login">{t("web.reset.backToLogin")}</Link>
      </p>
    </section>
  );
}

const RESET_TOKEN = "casedesk.resetToken";

export function ResetPasswordPage() {
  const [token] = useState(() => takeFragmentToken(RESET_TOKEN));
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [useRecovery, setUseRecovery] = useState(false);
  const { busy, error, setError, run } = useAction();
  const codeField = useRecovery ? "recoveryCode" : "code";

  const submit = (event: Event) => {
    event.preventDefault();
    if (!password) return setError(requiredError("newPassword"));
    if (!code.trim()) return setError(requiredError(codeField));
    void run(async () => {
      const second = useRecovery ? { recoveryCode: code.trim() } : { code: code.replace(/\s+/g, "") };
      await api.post(
        "/api/auth/password-reset/complete",
        { token, newPassword: password, ...second },
        { anonymous: true },
      );
      forgetToken(RESET_TOKEN);
      navigate("/login?reset=1", { replace: true });
    });
  };

  return (
    <section class="narrow">
      <PageTitle>{t("web.reset.title")}</PageTitle>
      {!token ? (
        <Notice kind="warning">{t("web.reset.noToken")}</Notice>
      ) : (
        <form onSubmit={submit} noValidate>
          <FormError error={error} fields={["newPassword", "code", "recoveryCode"]} />
          <Field
            label={t("web.reset.newPassword")}
            hint={t("web.password.hint")}
            name="newPassword"
            type="password"
            autoComplete="new-password"
            value={password}
            onValue={setPassword}
            error={error}
          />
          <Field
            key={codeField}
            label={useRecovery ? t("web.login.recoveryCode") : t("web.login.code")}
            name={codeField}
            autoComplete="one-time-code"
            inputMode={useRecovery ? "text" : "numeric"}
            value={code}
            onValue={setCode}
            error={error}
          />
          <div class="actions">
            <button type="submit" class="button" disabled={busy}>
              {t("web.reset.save")}
            </button>
            <button type="button" class="button-quiet" onClick={() => setUseRecovery(!useRecovery)}>
              {useRecovery ? t("web.login.useCode") : t("web.login.useRecovery")}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
