// "My account" → sign-in security (issue 25): how many recovery codes are left, new recovery
// codes, a new authenticator (e.g. a new phone). Both start with a fresh second factor; a new
// authenticator replaces the old one only once a code from it is confirmed.
import { useEffect, useRef, useState } from "preact/hooks";
import {
  AuthenticatorSetup,
  type Enrolment,
  type FreshFactor,
  FreshFactorForm,
  RecoveryCodeList,
} from "./second-factor";
import { Field, FormError, Loaded, Notice, requiredError, useAction, useResource } from "./ui";
import { api } from "../lib/api";
import { t } from "../lib/i18n";

type Mode = "idle" | "codes-ask" | "codes-show" | "app-ask" | "app-confirm";

function ConfirmNewApp({
  enrolment,
  onDone,
  onCancel,
}: {
  enrolment: Enrolment;
  onDone: () => void;
  onCancel: () => void;
}) {
  const [code, setCode] = useState("");
  const { busy, error, setError, run } = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    if (!code.trim()) return setError(requiredError("code"));
    void run(async () => {
      await api.post("/api/me/authenticator/confirm", { code: code.replace(/\s+/g, "") });
      onDone();
    });
  };
  return (
    <form onSubmit={submit} noValidate data-testid="new-app-confirm">
      <AuthenticatorSetup enrolment={enrolment} />
      <Notice kind="info">{t("web.secondFactor.oldStillWorks")}</Notice>
      <FormError error={error} fields={["code"]} />
      <Field
        label={t("web.secondFactor.newCode")}
        name="code"
        autoComplete="one-time-code"
        inputMode="numeric"
        value={code}
        onValue={setCode}
        error={error}
      />
      <div class="actions">
        <button type="submit" class="button" disabled={busy}>
          {t("web.onboarding.confirm")}
        </button>
        <button type="button" class="button-quiet" onClick={onCancel}>
          {t("web.common.cancel")}
        </button>
      </div>
    </form>
  );
}

export function SecondFactor() {
  const profile = useResource(() => api.get<{ recoveryCodesLeft: number }>("/api/me"), []);
  const [mode, setMode] = useState<Mode>("idle");
  const [codes, setCodes] = useState<string[]>([]);
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const card = useRef<HTMLElement>(null);
  useEffect(() => {
    // Linked from the prompt after a recovery-code sign-in: bring this card into view.
    if (window.location.hash === "#second-factor") card.current?.focus();
  }, []);
  const start = (next: Mode) => {
    setDone(null);
    setMode(next);
  };
  const renew = async (factor: FreshFactor) => {
    const { data } = await api.post<{ recoveryCodes: string[] }>("/api/me/recovery-codes", factor);
    setCodes(data.recoveryCodes);
    setMode("codes-show");
    profile.reload();
  };
  const newApp = async (factor: FreshFactor) => {
    const { data } = await api.post<Enrolment>("/api/me/authenticator", factor);
    setEnrolment(data);
    setMode("app-confirm");
    profile.reload();
  };
  return (
    <section class="card" id="second-factor" data-testid="second-factor" tabIndex={-1} ref={card}>
      <h2>{t("web.secondFactor.title")}</h2>
      {done && <Notice kind="success">{done}</Notice>}
      <Loaded data={profile.data} error={profile.error}>
        {({ data }) => (
          <p data-testid="codes-left">
            {data.recoveryCodesLeft <= 3 ? (
              <strong>{t("web.secondFactor.codesLeftFew", { count: data.recoveryCodesLeft })}</strong>
            ) : (
              t("web.secondFactor.codesLeft", { count: data.recoveryCodesLeft })
            )}
          </p>
        )}
      </Loaded>
      {mode === "idle" && (
        <div class="actions">
          <button
            type="button"
            class="button-quiet"
            onClick={() => start("codes-ask")}
            data-testid="renew-codes"
          >
            {t("web.secondFactor.renewCodes")}
          </button>
          <button type="button" class="button-quiet" onClick={() => start("app-ask")} data-testid="new-app">
            {t("web.secondFactor.newApp")}
          </button>
        </div>
      )}
      {mode === "codes-ask" && (
        <FreshFactorForm
          intro={t("web.secondFactor.renewIntro")}
          submitLabel={t("web.secondFactor.renewCodes")}
          testId="renew-codes-form"
          onSubmit={renew}
          onCancel={() => setMode("idle")}
        />
      )}
      {mode === "codes-show" && (
        <RecoveryCodeList codes={codes}>
          {(saved) => (
            <div class="actions">
              <button
                type="button"
                class="button"
                disabled={!saved}
                onClick={() => {
                  setCodes([]);
                  setMode("idle");
                  setDone(t("web.secondFactor.codesRenewed"));
                }}
              >
                {t("web.secondFactor.done")}
              </button>
            </div>
          )}
        </RecoveryCodeList>
      )}
      {mode === "app-ask" && (
        <FreshFactorForm
          intro={t("web.secondFactor.newAppIntro")}
          submitLabel={t("web.onboarding.continue")}
          testId="new-app-form"
          onSubmit={newApp}
          onCancel={() => setMode("idle")}
        />
      )}
      {mode === "app-confirm" && enrolment && (
        <ConfirmNewApp
          enrolment={enrolment}
          onCancel={() => {
            setEnrolment(null);
            setMode("idle");
          }}
          onDone={() => {
            setEnrolment(null);
            setMode("idle");
            setDone(t("web.secondFactor.appReplaced"));
          }}
        />
      )}
    </section>
  );
}
