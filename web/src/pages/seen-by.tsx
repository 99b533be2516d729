// "See what X sees": the caller's own documents and notes exactly as participant X gets them.
import { Link, Loaded, PageTitle, useResource } from "../components/ui";
import { categoryName, roleName } from "../components/labels";
import { api } from "../lib/api";
import { formatDateTime, t } from "../lib/i18n";
import type { CaseSummary, DocumentView, NoteView } from "../lib/types";

export function SeenByPage({ params }: { params: Record<string, string> }) {
  const { caseId, userId } = params;
  const loaded = useResource(async () => {
    const [summary, seen] = await Promise.all([
      api.get<CaseSummary>(`/api/cases/${caseId}`),
      api.get<{ documents: DocumentView[]; notes: NoteView[] }>(`/api/cases/${caseId}/seen-by/${userId}`),
    ]);
    return { person: summary.data.participants.find((p) => p.userId === userId), ...seen.data };
  }, [caseId, userId]);
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
            <p>{t("web.sharing.seenByIntro", { name: seen.person?.name ?? "", role: seen.person ? roleName(seen.person.role) : "" })}</p>
            <h2>{t("web.case.tabs.documents")}</h2>
            {seen.documents.length === 0 ? (
              <p class="muted">{t("web.sharing.seesNoDocuments")}</p>
            ) : (
              <ul class="item-list">
                {seen.documents.map((d) => (
                  <li key={d.id} class="card">
                    <strong>{d.title}</strong> <span class="muted">{categoryName(d.category)}</span>
                  </li>
                ))}
              </ul>
            )}
            <h2>{t("web.case.tabs.notes")}</h2>
            {seen.notes.length === 0 ? (
              <p class="muted">{t("web.sharing.seesNoNotes")}</p>
            ) : (
              <ul class="item-list">
                {seen.notes.map((n) => (
                  <li key={n.id} class="card">
                    <strong>{n.title}</strong> <span class="muted">{formatDateTime(n.updatedAt)}</span>
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
      </Loaded>
    </section>
  );
}
