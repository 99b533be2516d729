// The access review of one case for org admins (SPEC journey 18): who can access what — the
// people with their roles (an invited one is an open invitation), the live break-glass grants —
// and per person how many items are shared with them (never which) and their last access. One
// click ends a participation, an invitation or a grant. Shares of private items stay their
// owners' decision: they are counted here, never ended. When the admin has gone through it, they
// mark the review done (with a comment): that, not opening the page, is "last reviewed".
import { useEffect, useState } from "preact/hooks";
import { roleName, statusName } from "../components/labels";
import {
  Field,
  FormError,
  Link,
  Notice,
  PageTitle,
  PagedLoaded,
  confirmed,
  useAction,
} from "../components/ui";
import { api } from "../lib/api";
import type { ReviewDone } from "../lib/api-types";
import { formatDateTime, t } from "../lib/i18n";
import { usePagedList } from "../lib/paging";
import type * as Api from "../lib/api-types";

type Person = Api.ReviewPerson;

type Grant = Api.ReviewGrant;

function Facts({ caseId, userId }: { caseId: string; userId: string }) {
  const [facts, setFacts] = useState<Api.ReviewPersonFacts | null>(null);
  useEffect(() => {
    api.get<Api.ReviewPersonFacts>(`/api/cases/${caseId}/access-review/people/${userId}`).then(
      ({ data }) => setFacts(data),
      () => setFacts(null),
    );
  }, [caseId, userId]);
  if (!facts) return <span>…</span>;
  return (
    <>
      <span data-testid="review-shared">
        {facts.sharedItems === 1
          ? t("web.accessReview.sharedOne")
          : t("web.accessReview.shared", { count: facts.sharedItems })}
      </span>
      <span>
        {facts.lastAccessAt
          ? t("web.accessReview.lastAccess", { date: formatDateTime(facts.lastAccessAt) })
          : t("web.accessReview.noAccess")}
      </span>
    </>
  );
}

export function AccessReviewPage({ params }: { params: Record<string, string> }) {
  const { caseId } = params;
  const list = usePagedList<Person>(`/api/cases/${caseId}/access-review`, "people");
  const [grants, setGrants] = useState<Grant[]>([]);
  const [lastReview, setLastReview] = useState<ReviewDone | undefined>(undefined);
  const [comment, setComment] = useState("");
  const { busy, error, run } = useAction();
  const [done, setDone] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    api.get<{ grants: Grant[] } & ReviewDone>(`/api/cases/${caseId}/access-review`).then(
      ({ data }) => {
        setGrants(data.grants);
        setLastReview(data);
      },
      () => setGrants([]),
    );
  }, [caseId, list.items]);
  const markDone = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      setDone(null);
      setSaved(false);
      const { data } = await api.post<ReviewDone>(`/api/cases/${caseId}/access-review/done`, { comment });
      setLastReview(data);
      setComment("");
      setSaved(true);
    });
  };
  const end = (path: string, who: string) =>
    void run(async () => {
      if (!confirmed(t("web.accessReview.endConfirm", { name: who }))) return;
      setDone(null);
      await api.post(path);
      setDone(t("web.accessReview.ended", { name: who }));
      list.reload();
    });
  const ask = (p: Person) =>
    void run(async () => {
      setDone(null);
      await api.post(`/api/cases/${caseId}/access-review/people/${p.userId}/ask`, { what: "shares" });
      setDone(t("web.accessReview.asked", { name: p.name }));
    });
  return (
    <section class="stack">
      <p class="breadcrumb">
        <Link href={`/cases/${caseId}`}>{t("web.accessReview.back")}</Link>
      </p>
      <PageTitle>{t("web.accessReview.title")}</PageTitle>
      <p>{t("web.accessReview.intro")}</p>
      {lastReview !== undefined && (
        <p class="muted" data-testid="last-reviewed">
          {lastReview.lastReviewedAt
            ? t("web.accessReview.lastReviewedBy", {
                date: formatDateTime(lastReview.lastReviewedAt),
                name: lastReview.lastReviewedByName || "–",
              })
            : t("web.accessReview.neverReviewed")}
          {lastReview.lastReviewComment && ` · ${lastReview.lastReviewComment}`}
        </p>
      )}
      <FormError error={error} />
      {done && <Notice kind="success">{done}</Notice>}
      <section>
        <h2>{t("web.accessReview.people")}</h2>
        <PagedLoaded list={list} label={t("web.accessReview.people")}>
          {(people) => (
            <ul class="item-list" data-testid="review-people">
              {people.map((p) => (
                <li key={p.userId} class="card" data-testid="review-person">
                  <h3 class="item-title">{p.name || t("web.accessReview.former")}</h3>
                  <p class="meta">
                    <span>{roleName(p.role)}</span>
                    <span class={`tag tag-${p.status}`}>{statusName(p.status)}</span>
                    <Facts caseId={caseId} userId={p.userId} />
                  </p>
                  <div class="actions">
                    {p.status === "active" && (
                      <button
                        type="button"
                        class="button-quiet"
                        disabled={busy}
                        data-testid="review-ask"
                        onClick={() => ask(p)}
                      >
                        {t("web.accessReview.ask")}
                        <span class="visually-hidden"> {p.name}</span>
                      </button>
                    )}
                    {p.role !== "employee" && (
                      <button
                        type="button"
                        class="button-quiet danger"
                        disabled={busy}
                        data-testid="review-end"
                        onClick={() =>
                          end(`/api/cases/${caseId}/access-review/people/${p.userId}/end`, p.name)
                        }
                      >
                        {p.status === "invited"
                          ? t("web.accessReview.endInvitation")
                          : t("web.accessReview.endParticipation")}
                        <span class="visually-hidden"> {p.name}</span>
                      </button>
                    )}
                  </div>
                </li>
              ))}
            </ul>
          )}
        </PagedLoaded>
      </section>
      <section>
        <h2>{t("web.accessReview.grants")}</h2>
        {grants.length === 0 ? (
          <p>{t("web.accessReview.noGrants")}</p>
        ) : (
          <ul class="item-list" data-testid="review-grants">
            {grants.map((g) => (
              <li key={g.accessId} class="card">
                <h3 class="item-title">{g.name}</h3>
                <p class="meta">
                  <span>{t(`web.tempAccess.kind.${g.kind}`)}</span>
                  <span>{t("web.tempAccess.until", { date: formatDateTime(g.untilAt) })}</span>
                </p>
                {g.reason && <p>{g.reason}</p>}
                <button
                  type="button"
                  class="button-quiet danger"
                  disabled={busy}
                  onClick={() => end(`/api/orgs/${g.orgId}/temporary-access/${g.accessId}/end`, g.name)}
                >
                  {t("web.tempAccess.end")}
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      <p class="muted">{t("web.accessReview.sharesNote")}</p>
      <form noValidate onSubmit={markDone} class="stack card" data-testid="review-done">
        <h2>{t("web.accessReview.doneTitle")}</h2>
        <Field
          label={t("web.accessReview.doneComment")}
          hint={t("web.accessReview.doneHint")}
          name="comment"
          value={comment}
          onValue={setComment}
          error={error}
        />
        {saved && <Notice kind="success">{t("web.accessReview.doneSaved")}</Notice>}
        <div class="actions">
          <button type="submit" class="button" disabled={busy}>
            {t("web.accessReview.done")}
          </button>
        </div>
      </form>
    </section>
  );
}
