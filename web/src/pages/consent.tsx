// Re-consent: the terms or the privacy policy changed since the user accepted them; nothing
// else works until they accept the current versions (the API answers 403 consent_required).
import { useState } from "preact/hooks";
import { type Acceptance, LegalConsent } from "../components/legal";
import { FormError, PageTitle, requiredError, useAction } from "../components/ui";
import { api } from "../lib/api";
import { t } from "../lib/i18n";
import { location, navigate, safeReturnPath } from "../lib/router";
import { loadSession } from "../lib/session";
import { useStore } from "../lib/store";

export function ConsentPage() {
  const where = useStore(location);
  const [accepted, setAccepted] = useState<Acceptance>({ terms: null, privacy: null });
  const { busy, error, setError, run } = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    if (!accepted.terms) return setError(requiredError("terms"));
    if (!accepted.privacy) return setError(requiredError("privacy"));
    void run(async () => {
      await api.post("/api/me/consent", accepted);
      await loadSession();
      navigate(safeReturnPath(where.query.get("next")) ?? "/cases", { replace: true });
    });
  };
  return (
    <section class="narrow">
      <PageTitle>{t("web.consent.title")}</PageTitle>
      <p>{t("web.consent.intro")}</p>
      <form onSubmit={submit} noValidate>
        <FormError error={error} fields={["terms", "privacy"]} />
        <LegalConsent onChange={setAccepted} error={error} />
        <div class="actions">
          <button type="submit" class="button" disabled={busy}>
            {t("web.consent.accept")}
          </button>
        </div>
      </form>
    </section>
  );
}
