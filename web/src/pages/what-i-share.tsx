// "What I share" in this case (issue 24): each of my documents and notes that someone else can
// see now, with whom and until when; everything else of mine is private. At the end of the
// overview, so nothing above it moves when it arrives. Per person, "see what X sees" (in the
// participants list) shows the same from the other side.
import { sharingWords } from "../components/sharing-state";
import { Link, Loaded, useResource } from "../components/ui";
import { t } from "../lib/i18n";
import { fetchAll } from "../lib/paging";
import type { CaseSummary, DocumentView, NoteView, ShareState } from "../lib/types";

interface Mine {
  kind: "documents" | "notes";
  id: string;
  title: string;
  shares: ShareState[];
}

async function loadMine(caseId: string): Promise<{ shared: Mine[]; total: number }> {
  const [docs, notes] = await Promise.all([
    fetchAll<DocumentView>(`/api/cases/${caseId}/documents`, "documents"),
    fetchAll<NoteView>(`/api/cases/${caseId}/notes`, "notes"),
  ]);
  const own = [
    ...docs
      .filter((d) => d.mine)
      .map((d) => ({ kind: "documents" as const, id: d.id, title: d.title, shares: d.sharedWith ?? [] })),
    ...notes
      .filter((n) => n.mine)
      .map((n) => ({ kind: "notes" as const, id: n.id, title: n.title, shares: n.sharedWith ?? [] })),
  ];
  return { shared: own.filter((o) => o.shares.length > 0), total: own.length };
}

export function WhatIShare({ summary }: { summary: CaseSummary }) {
  const names = new Map(summary.participants.map((p) => [p.userId, p.name]));
  const mine = useResource(() => loadMine(summary.caseId), [summary.caseId]);
  return (
    <section class="card" data-testid="what-i-share">
      <h2>{t("web.sharing.whatIShare")}</h2>
      <Loaded data={mine.data} error={mine.error}>
        {({ shared, total }) =>
          shared.length === 0 ? (
            <p>
              {total === 0 ? t("web.sharing.nothingOfMine") : t("web.sharing.allPrivate", { count: total })}
            </p>
          ) : (
            <>
              <p>{t("web.sharing.sharedCount", { shared: shared.length, total })}</p>
              <ul class="shared-items">
                {shared.map((item) => (
                  <li key={`${item.kind}-${item.id}`}>
                    <Link href={`/cases/${summary.caseId}/${item.kind}`}>{item.title}</Link>
                    <span class="muted">
                      {" "}
                      · {t(item.kind === "documents" ? "web.case.tabs.documents" : "web.case.tabs.notes")}
                    </span>
                    <br />
                    <span>{sharingWords(item.shares, names)}</span>
                  </li>
                ))}
              </ul>
            </>
          )
        }
      </Loaded>
    </section>
  );
}
