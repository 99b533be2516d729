// After a sign-in with a recovery code (issue 25): the phone with the authenticator may be lost
// or replaced, and the codes run out — suggest setting up again, or go on where the person was.
import { Link, Loaded, Notice, PageTitle, useResource } from "../components/ui";
import { api } from "../lib/api";
import { t } from "../lib/i18n";
import { location, safeReturnPath } from "../lib/router";
import { useStore } from "../lib/store";

export function RecoveryPromptPage() {
  const where = useStore(location);
  const next = safeReturnPath(where.query.get("next")) ?? "/cases";
  const profile = useResource(() => api.get<{ recoveryCodesLeft: number }>("/api/me"), []);
  return (
    <section class="narrow" data-testid="recovery-prompt">
      <PageTitle>{t("web.secondFactor.promptTitle")}</PageTitle>
      <Loaded data={profile.data} error={profile.error}>
        {({ data }) => (
          <Notice kind="warning">
            {t("web.secondFactor.promptText", { count: data.recoveryCodesLeft })}
          </Notice>
        )}
      </Loaded>
      <p>{t("web.secondFactor.promptAdvice")}</p>
      <div class="actions">
        <Link class="button" href="/profile#second-factor">
          {t("web.secondFactor.promptNow")}
        </Link>
        <Link class="button-quiet" href={next}>
          {t("web.secondFactor.promptLater")}
        </Link>
      </div>
    </section>
  );
}
