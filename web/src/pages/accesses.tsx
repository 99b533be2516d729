// "Who accessed my data": every access to my data by someone else, as a sentence in my language.
import { useState } from "preact/hooks";
import { Link, Loaded, PageTitle, useAction, useResource } from "../components/ui";
import { api } from "../lib/api";
import { formatDateTime, t } from "../lib/i18n";

interface Access {
  at: string;
  action: string;
  caseId: string | null;
  sentence: string;
}

interface Page {
  accesses: Access[];
  continuation: string | null;
}

export function AccessesPage() {
  const [more, setMore] = useState<Access[]>([]);
  const [continuation, setContinuation] = useState<string | null>(null);
  const first = useResource(async () => {
    const { data } = await api.get<Page>("/api/me/accesses?limit=50");
    setContinuation(data.continuation);
    return data.accesses;
  }, []);
  const { busy, run } = useAction();
  const loadMore = () =>
    void run(async () => {
      const { data } = await api.get<Page>(`/api/me/accesses?limit=50&continuation=${encodeURIComponent(continuation ?? "")}`);
      setMore([...more, ...data.accesses]);
      setContinuation(data.continuation);
    });
  return (
    <section>
      <PageTitle>{t("web.accesses.title")}</PageTitle>
      <p>{t("web.accesses.intro")}</p>
      <Loaded data={first.data} error={first.error}>
        {(list) =>
          list.length + more.length === 0 ? (
            <p>{t("web.accesses.none")}</p>
          ) : (
            <ol class="item-list" data-testid="accesses">
              {[...list, ...more].map((a, i) => (
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
      </Loaded>
      {continuation && (
        <button type="button" class="button-quiet" disabled={busy} onClick={loadMore}>
          {t("web.common.loadMore")}
        </button>
      )}
    </section>
  );
}
