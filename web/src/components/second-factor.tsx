// The second factor as a person sets it up (onboarding and "My account", issue 25): the
// authenticator (QR code for another device; on this phone an otpauth:// link and the key with a
// copy button) and the recovery codes (copy, download as .txt, print, then "I have saved them").
// Also the form that asks for a fresh second factor before either is changed.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { Field, FormError, requiredError, useAction } from "./ui";
import type { ApiError } from "../lib/api";
import { t } from "../lib/i18n";
import type * as Api from "../lib/api-types";

export type Enrolment = Api.TotpEnrolment;

/** A key typed by hand is easier to read in groups of four ("ABCD EFGH …"); apps ignore spaces. */
export function groupedSecret(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, "$1 ");
}

/** The recovery codes as the .txt file a person downloads or prints. */
export function recoveryCodesText(codes: string[], heading: string, note: string): string {
  return [
    heading,
    "",
    ...codes.map((code, i) => `${String(i + 1).padStart(2, " ")}. ${code}`),
    "",
    note,
    "",
  ].join("\n");
}

/** Copies ``text``; says so in a live region (and if the browser refuses, selects nothing silently). */
export function CopyButton({ text, label, testId }: { text: string; label: string; testId?: string }) {
  const [copied, setCopied] = useState<boolean | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <>
      <button type="button" class="button-quiet" onClick={() => void copy()} data-testid={testId}>
        {label}
      </button>
      <span role="status" class="muted copy-status">
        {copied === true
          ? t("web.secondFactor.copied")
          : copied === false
            ? t("web.secondFactor.copyFailed")
            : ""}
      </span>
    </>
  );
}

export function AuthenticatorSetup({ enrolment }: { enrolment: Enrolment }) {
  // Shown as an image (img-src allows data:), never inserted as markup; a standalone SVG image
  // needs the namespace that the API's inline SVG leaves out.
  const svg = enrolment.qrSvg.includes("xmlns=")
    ? enrolment.qrSvg
    : enrolment.qrSvg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ');
  const qr = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  return (
    <div class="authenticator-setup">
      <p>{t("web.onboarding.totpIntro")}</p>
      <img class="qr" src={qr} alt={t("web.onboarding.qrAlt")} width={220} height={220} />
      <h3>{t("web.secondFactor.samePhoneTitle")}</h3>
      <p>{t("web.secondFactor.samePhoneIntro")}</p>
      <p class="actions">
        <a class="button-quiet" href={enrolment.otpauthUri} data-testid="otpauth-link">
          {t("web.secondFactor.openInApp")}
        </a>
      </p>
      <p>{t("web.onboarding.secretIntro")}</p>
      <p class="secret-row">
        <code class="secret" data-testid="totp-secret">
          {groupedSecret(enrolment.secret)}
        </code>
        <CopyButton text={enrolment.secret} label={t("web.secondFactor.copyKey")} testId="copy-secret" />
      </p>
    </div>
  );
}

/** The codes, shown once, with the ways to keep them; ``children`` is what follows "I have saved them". */
export function RecoveryCodeList({
  codes,
  children,
}: {
  codes: string[];
  children: (saved: boolean) => ComponentChildren;
}) {
  const [saved, setSaved] = useState(false);
  const file = recoveryCodesText(codes, t("web.secondFactor.fileHeading"), t("web.secondFactor.fileNote"));
  const download = () => {
    const url = URL.createObjectURL(new Blob([file], { type: "text/plain;charset=utf-8" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = "casedesk-recovery-codes.txt";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  };
  return (
    <section data-testid="recovery-codes" class="recovery-sheet">
      <h2>{t("web.onboarding.recoveryTitle")}</h2>
      <p>{t("web.onboarding.recoveryIntro")}</p>
      <ol class="recovery-codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ol>
      <p class="actions no-print">
        <CopyButton text={file} label={t("web.secondFactor.copyCodes")} testId="copy-codes" />
        <button type="button" class="button-quiet" onClick={download} data-testid="download-codes">
          {t("web.secondFactor.downloadCodes")}
        </button>
        <button type="button" class="button-quiet" onClick={printCodes} data-testid="print-codes">
          {t("web.secondFactor.printCodes")}
        </button>
      </p>
      <label class="field-check no-print">
        <input type="checkbox" checked={saved} onChange={(e) => setSaved(e.currentTarget.checked)} />
        {t("web.onboarding.recoverySaved")}
      </label>
      <div class="no-print">{children(saved)}</div>
    </section>
  );
}

/** Prints only the recovery codes (style.css hides the rest of the page while printing). */
function printCodes() {
  document.body.classList.add("printing-codes");
  window.addEventListener("afterprint", () => document.body.classList.remove("printing-codes"), {
    once: true,
  });
  window.print();
}

export interface FreshFactor {
  code?: string;
  recoveryCode?: string;
}

/** Asks for a code from the authenticator (or a recovery code): the sign-in's second step, and
 * right before a change that needs a fresh factor. ``intro`` may depend on which of the two is asked. */
export function FreshFactorForm({
  intro,
  submitLabel,
  cancelLabel = t("web.common.cancel"),
  testId,
  onSubmit,
  onCancel,
}: {
  intro: string | ((recovery: boolean) => string);
  submitLabel: string;
  cancelLabel?: string;
  testId: string;
  onSubmit: (factor: FreshFactor) => Promise<void>;
  onCancel: () => void;
}) {
  const [useRecovery, setUseRecovery] = useState(false);
  const [value, setValue] = useState("");
  const { busy, error, setError, run } = useAction();
  const field = useRecovery ? "recoveryCode" : "code";
  const submit = (event: Event) => {
    event.preventDefault();
    if (!value.trim()) return setError(requiredError(field));
    void run(() =>
      onSubmit(useRecovery ? { recoveryCode: value.trim() } : { code: value.replace(/\s+/g, "") }),
    );
  };
  return (
    <form onSubmit={submit} noValidate data-testid={testId}>
      <p>{typeof intro === "string" ? intro : intro(useRecovery)}</p>
      <FormError error={error as ApiError | null} fields={["code", "recoveryCode"]} />
      <Field
        key={field}
        label={useRecovery ? t("web.login.recoveryCode") : t("web.login.code")}
        name={field}
        autoComplete="one-time-code"
        inputMode={useRecovery ? "text" : "numeric"}
        value={value}
        onValue={setValue}
        error={error}
      />
      <div class="actions">
        <button type="submit" class="button" disabled={busy}>
          {submitLabel}
        </button>
        <button
          type="button"
          class="button-quiet"
          onClick={() => {
            setUseRecovery(!useRecovery);
            setValue("");
            setError(null);
          }}
        >
          {useRecovery ? t("web.login.useCode") : t("web.login.useRecovery")}
        </button>
        <button type="button" class="button-quiet" onClick={onCancel}>
          {cancelLabel}
        </button>
      </div>
    </form>
  );
}
