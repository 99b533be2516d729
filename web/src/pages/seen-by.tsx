// "See what X sees": the caller's own documents and notes exactly as participant X gets them.
// Each section is its own paged list (GET …/seen-by/{userId}?section=<segment>).
import type { ComponentChildren } from "preact";
import { Link, Loaded, PageTitle, PagedLoaded, useResource } from "../components/ui";
import { categoryName, roleName } from "../components/labels";
import { loadCase } from "../lib/cases";
import { formatDateTime, t } from "../lib/i18n";
import { usePagedList } from "../lib/paging";
import type { DocumentView, NoteView } from "../lib/types";
import { SeenReflections } from "./reflections";

function Section<T>(props: {
  url: string;
  segment: string;
  title: string;
  none: string;
  item: (entry: T) => ComponentChildren;
}) {
  const list = usePagedList<T>(`${props.url}?section=${props.segment}`, props.segment);
  return (
    <section class="stack" data-testid={`seen-${props.segment}`}>
      <h2>{props.title}</h2>
      <PagedLoaded list={list} label={props.title}>
        {(entries) =>
          entries.length === 0 ? (
            <p class="muted">{props.none}</p>
          ) : (
            <ul class="item-list">{entries.map(props.item)}</ul>
          )
        }
      </PagedLoaded>
    </section>
  );
}

export function SeenByPage({ params }: { params: Record<string, string> }) {
  const { caseId, userId } = params;
  const url = `/api/cases/${caseId}/seen-by/${userId}`;
  const loaded = useResource(
    async () => ({ person: (await loadCase(caseId)).data.participants.find((p) => p.userId === userId) }),
    [caseId, userId],
  );
  const person = loaded.data?.person;
  return (
    <section>
      <p class="breadcrumb">
        <Link href={`/cases/${caseId}`}>{t("web.sharing.backToCase")}</Link>
      </p>
      <PageTitle>{t("web.sharing.seenByTitle", { name: person?.name ?? "…" })}</PageTitle>
      <Loaded data={loaded.data} error={loaded.error}>
        {(seen) => (
          <div class="stack" data-testid="seen-by">
            <p>
              {t("web.sharing.seenByIntro", {
                name: seen.person?.name ?? "",
                role: seen.person ? roleName(seen.person.role) : "",
              })}
            </p>
            <Section<DocumentView>
              url={url}
              segment="documents"
              title={t("web.case.tabs.documents")}
              none={t("web.sharing.seesNoDocuments")}
              item={(d) => (
                <li key={d.id} class="card">
                  <strong>{d.title}</strong> <span class="muted">{categoryName(d.category)}</span>
                </li>
              )}
            />
            <Section<NoteView>
              url={url}
              segment="notes"
              title={t("web.case.tabs.notes")}
              none={t("web.sharing.seesNoNotes")}
              item={(n) => (
                <li key={n.id} class="card">
                  <strong>{n.title}</strong> <span class="muted">{formatDateTime(n.updatedAt)}</span>
                </li>
              )}
            />
            <SeenReflections url={url} name={seen.person?.name ?? ""} />
          </div>
        )}
      </Loaded>
    </section>
  );
}
