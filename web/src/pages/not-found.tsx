import { Link, PageTitle } from "../components/ui";
import { t } from "../lib/i18n";

export function NotFoundPage() {
  return (
    <section class="narrow">
      <PageTitle>{t("web.notFound.title")}</PageTitle>
      <p>{t("web.notFound.text")}</p>
      <Link href="/">{t("web.notFound.home")}</Link>
    </section>
  );
}
