// The short introduction after onboarding (shown once, reopened from the profile).
import { PageTitle, useAction } from "../components/ui";
import { api } from "../lib/api";
import { t } from "../lib/i18n";
import { navigate } from "../lib/router";

const TOPICS = ["private", "share", "plan", "access"] as const;

export function WelcomePage() {
  const { busy, run } = useAction();
  return (
    <section class="narrow">
      <PageTitle>{t("web.welcome.title")}</PageTitle>
      <p class="lead">{t("web.welcome.lead")}</p>
      <ul class="topics">
        {TOPICS.map((topic) => (
          <li key={topic}>
            <h2>{t(`web.welcome.${topic}.title`)}</h2>
            <p>{t(`web.welcome.${topic}.text`)}</p>
          </li>
        ))}
      </ul>
      <div class="actions">
        <button
          type="button"
          class="button"
          disabled={busy}
          onClick={() =>
            void run(async () => {
              await api.post("/api/me/welcome-seen");
              navigate("/cases");
            })
          }
        >
          {t("web.welcome.start")}
        </button>
      </div>
    </section>
  );
}
