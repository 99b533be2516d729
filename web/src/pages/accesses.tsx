// "Who accessed my data": every access to my data by someone else, as a sentence in my language.
import { Link, PageTitle, PagedLoaded } from "../components/ui";
import { formatDateTime, t } from "../lib/i18n";
import { usePagedList } from "../lib/paging";
import type * as Api from "../lib/api-types";

type Access = Api.MyAccess;

export function AccessesPage() {
  const accesses = usePagedList<Access>("/api/me/accesses", "accesses");
  return (
    <section>
      <PageTitle>{t("web.accesses.title")}</PageTitle>
      <p>{t("web.accesses.intro")}</p>
      <PagedLoaded list={accesses} label={t("web.accesses.title")}>
        {(list) =>
          list.length === 0 ? (
            <p>{t("web.accesses.none")}</p>
          ) : (
            <ol class="item-list" data-testid="accesses">
              {list.map((a, i) => (
                <li key={`${a.at}-${i}`} class="card">
                  <p>{a.sentence}</p>
                  <p class="meta">
                    <span>{formatDateTime(a.at)}</span>
                    {a.caseId && <Link href={`/cases/${a.caseId}`}>{t("web.accesses.openCase")}</Link>}
                  </p>
                </li>
              ))}
            </ol>
          )
        }
      </PagedLoaded>
    </section>
  );
}
