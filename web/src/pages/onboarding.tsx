// The invitation link's page (SPEC journey 2): (1) accept the terms and the privacy policy,
// (2) set a password and enrol the authenticator (QR code; on the same phone an otpauth:// link
// or the secret to copy; confirmed by a code), then the recovery codes, shown once (copy,
// download, print, "I have saved them": components/second-factor.tsx). A person who already has an account signs in and accepts the
// invitation instead. The password is set once per link: after a reload (or a 409 from another
// tab) the page asks for the code of the authenticator added before; the secret is not shown again.
import { useEffect, useState } from "preact/hooks";
import { type Acceptance, LegalConsent } from "../components/legal";
import { NewPasswordFields, mismatchError } from "../components/new-password";
import { AuthenticatorSetup, type Enrolment, RecoveryCodeList } from "../components/second-factor";
import {
  Field,
  FormError,
  Link,
  Loaded,
  Notice,
  PageTitle,
  requiredError,
  useAction,
  useResource,
} from "../components/ui";
import { ApiError, api, setCsrfToken } from "../lib/api";
import { forgetToken, takeFragmentToken } from "../lib/fragment";
import { isLanguage, setLanguage, t } from "../lib/i18n";
import { navigate } from "../lib/router";
import { loadSession, session } from "../lib/session";
import { useStore } from "../lib/store";
import type * as Api from "../lib/api-types";

const TOKEN_KEY = "casedesk.invitationToken";

type Step = "consent" | "password" | "totp" | "login";

type Inspection = Api.OnboardingState;

function Steps({ step }: { step: 1 | 2 }) {
  return <p class="step-indicator">{t("web.onboarding.stepOf", { step, total: 2 })}</p>;
}

function ConsentStep({ token, onDone }: { token: string; onDone: () => void }) {
  const [accepted, setAccepted] = useState<Acceptance>({ terms: null, privacy: null });
  const { busy, error, setError, run } = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    if (!accepted.terms) return setError(requiredError("terms"));
    if (!accepted.privacy) return setError(requiredError("privacy"));
    void run(async () => {
      await api.post("/api/onboarding/consent", { token, ...accepted }, { anonymous: true });
      onDone();
    });
  };
  return (
    <form onSubmit={submit} noValidate data-testid="consent-form">
      <Steps step={1} />
      <p>{t("web.onboarding.consentIntro")}</p>
      <FormError error={error} fields={["terms", "privacy"]} />
      <LegalConsent onChange={setAccepted} error={error} />
      <div class="actions">
        <button type="submit" class="button" disabled={busy}>
          {t("web.onboarding.acceptAndContinue")}
        </button>
      </div>
    </form>
  );
}

function PasswordStep({
  token,
  onEnrolled,
  onAlreadySet,
}: {
  token: string;
  onEnrolled: (e: Enrolment) => void;
  onAlreadySet: () => void;
}) {
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const { busy, error, setError, run } = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    if (!password) return setError(requiredError("password"));
    const mismatch = mismatchError(password, repeat);
    if (mismatch) return setError(mismatch);
    void run(async () => {
      try {
        const { data } = await api.post<Enrolment>(
          "/api/onboarding/password",
          { token, password },
          { anonymous: true },
        );
        onEnrolled(data);
      } catch (caught) {
        if (caught instanceof ApiError && caught.code === "password_already_set") return onAlreadySet();
        throw caught;
      }
    });
  };
  return (
    <form onSubmit={submit} noValidate data-testid="password-form">
      <Steps step={2} />
      <h2>{t("web.onboarding.passwordTitle")}</h2>
      <FormError error={error} fields={["password", "repeat"]} />
      <NewPasswordFields
        name="password"
        password={password}
        repeat={repeat}
        onPassword={setPassword}
        onRepeat={setRepeat}
        error={error}
      />
      <div class="actions">
        <button type="submit" class="button" disabled={busy}>
          {t("web.onboarding.continue")}
        </button>
      </div>
    </form>
  );
}

/** ``enrolment`` is null when the password was set earlier (a reload): the secret is not shown again. */
function TotpStep({
  token,
  enrolment,
  onDone,
}: {
  token: string;
  enrolment: Enrolment | null;
  onDone: (codes: string[]) => void;
}) {
  const [code, setCode] = useState("");
  const { busy, error, setError, run } = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    if (!code.trim()) return setError(requiredError("code"));
    void run(async () => {
      const { data } = await api.post<{ recoveryCodes: string[]; csrfToken: string }>(
        "/api/onboarding/totp",
        { token, code: code.replace(/\s+/g, "") },
        { anonymous: true },
      );
      setCsrfToken(data.csrfToken);
      onDone(data.recoveryCodes);
    });
  };
  return (
    <form onSubmit={submit} noValidate data-testid="totp-form">
      <Steps step={2} />
      <h2>{t("web.onboarding.totpTitle")}</h2>
      {enrolment ? (
        <AuthenticatorSetup enrolment={enrolment} />
      ) : (
        <Notice kind="info">{t("web.onboarding.totpResume")}</Notice>
      )}
      <FormError error={error} fields={["code"]} />
      <Field
        label={t("web.login.code")}
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
      </div>
    </form>
  );
}

function RecoveryCodes({ codes }: { codes: string[] }) {
  return (
    <RecoveryCodeList codes={codes}>
      {(saved) => (
        <div class="actions">
          <button
            type="button"
            class="button"
            disabled={!saved}
            onClick={async () => {
              await loadSession();
              navigate("/welcome", { replace: true });
            }}
          >
            {t("web.onboarding.toWelcome")}
          </button>
        </div>
      )}
    </RecoveryCodeList>
  );
}

/** The link belongs to someone who already has an account: accept it after signing in. */
function AcceptExisting({ token }: { token: string }) {
  const me = useStore(session);
  const { busy, error, run } = useAction();
  const accept = () =>
    void run(async () => {
      const { data } = await api.post<{ caseId: string | null }>("/api/invitations/accept", { token });
      forgetToken(TOKEN_KEY);
      navigate(data.caseId ? `/cases/${data.caseId}` : "/cases"); // straight into the case
    });
  // Signed in (now or already): the link was opened to join, so join — one step, no second click.
  useEffect(() => {
    if (me) accept();
  }, [me?.userId]);
  if (!me) {
    return (
      <div>
        <p>{t("web.onboarding.existingIntro")}</p>
        <Link class="button" href={`/login?next=${encodeURIComponent("/onboarding")}`}>
          {t("web.onboarding.signInToAccept")}
        </Link>
      </div>
    );
  }
  return (
    <div aria-live="polite">
      <FormError error={error} />
      {busy || !error ? (
        <p>{t("web.onboarding.joining")}</p>
      ) : (
        <button type="button" class="button" onClick={accept}>
          {t("web.onboarding.retry")}
        </button>
      )}
    </div>
  );
}

export function OnboardingPage() {
  const me = useStore(session);
  const [token] = useState(() => takeFragmentToken(TOKEN_KEY));
  const [step, setStep] = useState<Step | null>(null);
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const inspection = useResource(async () => {
    if (!token) return null;
    return (await api.post<Inspection>("/api/onboarding/inspect", { token }, { anonymous: true })).data;
  }, [token]);

  useEffect(() => {
    const found = inspection.data;
    if (!found) return;
    // The invitation names the language chosen for the person: start in it (the switch stays).
    if (isLanguage(found.language) && !localStorage.getItem("casedesk.language")) setLanguage(found.language);
    setStep(found.step);
  }, [inspection.data]);

  if (!token) {
    return (
      <section class="narrow">
        <PageTitle>{t("web.onboarding.title")}</PageTitle>
        <Notice kind="warning">{t("web.onboarding.noToken")}</Notice>
      </section>
    );
  }
  return (
    <section class="narrow">
      {/* Someone with an account joins a case; only someone new sets one up. */}
      <PageTitle>{step === "login" ? t("web.onboarding.joinTitle") : t("web.onboarding.title")}</PageTitle>
      <Loaded data={inspection.data} error={inspection.error}>
        {(found) =>
          found && (
            <>
              <p>{t("web.onboarding.for", { email: found.email })}</p>
              {codes ? (
                <RecoveryCodes codes={codes} />
              ) : step === "consent" ? (
                <ConsentStep token={token} onDone={() => setStep("password")} />
              ) : step === "password" && !enrolment ? (
                <PasswordStep token={token} onEnrolled={setEnrolment} onAlreadySet={() => setStep("totp")} />
              ) : enrolment || step === "totp" ? (
                <TotpStep
                  token={token}
                  enrolment={enrolment}
                  onDone={(recovery) => {
                    forgetToken(TOKEN_KEY);
                    setCodes(recovery);
                  }}
                />
              ) : step === "login" ? (
                <AcceptExisting token={token} />
              ) : null}
            </>
          )
        }
      </Loaded>
      {inspection.error?.code === "invitation_used" && !me && (
        // The link did its work already (the account exists): signing in is the way on.
        <p class="actions" data-testid="used-link-sign-in">
          <Link class="button" href="/login">
            {t("web.login.signIn")}
          </Link>
        </p>
      )}
    </section>
  );
}
