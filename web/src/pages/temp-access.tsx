// The temporary-access overview for org admins (SPEC journey 17): every break-glass access of the
// last N days and every support access (issue 22: the kind column) — who, which case, why,
// from/until, how often the case was read (counted from the audit log), status — each marked
// reviewed with a comment, ended early if still running, and the whole list as CSV.
import { useEffect, useState } from "preact/hooks";
import { Field, FormError, Link, Notice, PageTitle, PagedLoaded, useAction } from "../components/ui";
import { api } from "../lib/api";
import { formatDateTime, t } from "../lib/i18n";
import { usePagedList } from "../lib/paging";
import type { TempAccess } from "../lib/api-types";

function Reads({ orgId, accessId }: { orgId: string; accessId: string }) {
  const [reads, setReads] = useState<number | null>(null);
  useEffect(() => {
    api.get<{ reads: number }>(`/api/orgs/${orgId}/temporary-access/${accessId}/reads`).then(
      ({ data }) => setReads(data.reads),
      () => setReads(null),
    );
  }, [orgId, accessId]);
  return (
    <span data-testid="temp-access-reads">
      {reads === null
        ? "…"
        : reads === 1
          ? t("web.tempAccess.readsOne")
          : t("web.tempAccess.reads", { count: reads })}
    </span>
  );
}

function AccessEntry({
  orgId,
  access,
  onChanged,
}: {
  orgId: string;
  access: TempAccess;
  onChanged: () => void;
}) {
  const [comment, setComment] = useState(access.reviewComment ?? "");
  const { busy, error, run } = useAction();
  const base = `/api/orgs/${orgId}/temporary-access/${access.accessId}`;
  const review = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      try {
        await api.post(`${base}/review`, { comment }, { ifMatch: access.etag });
      } finally {
        onChanged();
      }
    });
  };
  const end = () =>
    void run(async () => {
      await api.post(`${base}/end`);
      onChanged();
    });
  return (
    <li class="card" data-testid="temp-access">
      <h3 class="item-title">
        {access.userName || access.userId.slice(0, 8)} ·{" "}
        <span class={`tag tag-${access.status}`}>{t(`web.tempAccess.status.${access.status}`)}</span>
      </h3>
      <p class="meta">
        <span>{t(`web.tempAccess.kind.${access.kind}`)}</span>
        {access.caseId && (
          <Link href={`/cases/${access.caseId}`}>
            {access.caseName
              ? t("web.case.title", { name: access.caseName })
              : t("web.audit.caseRef", { id: access.caseId.slice(0, 8) })}
          </Link>
        )}
        <Reads orgId={orgId} accessId={access.accessId} />
      </p>
      <p class="meta">
        <span>{t("web.tempAccess.from", { date: formatDateTime(access.fromAt) })}</span>
        <span>{t("web.tempAccess.until", { date: formatDateTime(access.endedAt ?? access.untilAt) })}</span>
      </p>
      <p>
        <strong>{t("web.tempAccess.reason")}</strong> {access.reason}
        {access.ticket && ` · ${access.ticket}`}
      </p>
      {access.reviewedAt && (
        <Notice kind="success">
          {t("web.tempAccess.reviewedAt", { date: formatDateTime(access.reviewedAt) })}
        </Notice>
      )}
      <FormError error={error} fields={["comment"]} />
      <form noValidate onSubmit={review} class="stack" data-testid="temp-access-review">
        <Field
          label={t("web.tempAccess.comment")}
          name="comment"
          value={comment}
          onValue={setComment}
          error={error}
        />
        <div class="actions">
          <button type="submit" class="button" disabled={busy}>
            {access.reviewedAt ? t("web.tempAccess.reviewAgain") : t("web.tempAccess.markReviewed")}
          </button>
          {access.status === "active" && (
            <button
              type="button"
              class="button-quiet danger"
              disabled={busy}
              onClick={end}
              data-testid="temp-access-end"
            >
              {t("web.tempAccess.end")}
            </button>
          )}
        </div>
      </form>
    </li>
  );
}

export function TempAccessPage({ params }: { params: Record<string, string> }) {
  const { orgId } = params;
  const list = usePagedList<TempAccess>(`/api/orgs/${orgId}/temporary-access`, "accesses");
  // The look-back the overview covers comes with its first page (no request of its own).
  const days = typeof list.first?.days === "number" ? list.first.days : null;
  return (
    <section class="stack">
      <p class="breadcrumb">
        <Link href={`/orgs/${orgId}`}>{t("web.org.title")}</Link>
      </p>
      <PageTitle>{t("web.tempAccess.title")}</PageTitle>
      <p>{days === null ? t("web.tempAccess.intro") : t("web.tempAccess.introDays", { days })}</p>
      <p>
        <a
          class="button-quiet"
          href={`/api/orgs/${orgId}/temporary-access/export`}
          download="temporary-access.csv"
          data-testid="temp-access-export"
        >
          {t("web.tempAccess.export")}
        </a>
      </p>
      <PagedLoaded list={list} label={t("web.tempAccess.title")}>
        {(items) =>
          items.length === 0 ? (
            <p>{t("web.tempAccess.none")}</p>
          ) : (
            <ul class="item-list" data-testid="temp-access-list">
              {items.map((a) => (
                <AccessEntry
                  key={`${a.accessId}-${a.etag}`}
                  orgId={orgId}
                  access={a}
                  onChanged={list.reload}
                />
              ))}
            </ul>
          )
        }
      </PagedLoaded>
    </section>
  );
}
