// Support access for org admins (SPEC journey 16, issue 22): the platform's operators ask for
// access; an admin approves (optionally narrowed: one case instead of the organisation,
// pseudonymised instead of identified data, fewer hours) or denies, and revokes at any moment.
import { useState } from "preact/hooks";
import {
  Field,
  FormError,
  Link,
  PageTitle,
  PagedLoaded,
  Select,
  confirmed,
  useAction,
} from "../components/ui";
import { api } from "../lib/api";
import { formatDateTime, t } from "../lib/i18n";
import { usePagedList } from "../lib/paging";
import { GrantTerms, type SupportGrant } from "./support";

function Decide({ orgId, grant, onDone }: { orgId: string; grant: SupportGrant; onDone: () => void }) {
  const [hours, setHours] = useState(String(grant.hours));
  const [level, setLevel] = useState<string>(grant.level);
  const [caseId, setCaseId] = useState(grant.caseId ?? "");
  const { busy, error, run } = useAction();
  const base = `/api/orgs/${orgId}/support-grants/${grant.grantId}`;
  const approve = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      try {
        const narrowed: Record<string, unknown> = {};
        const wanted = Number.parseInt(hours, 10);
        if (wanted && wanted !== grant.hours) narrowed.hours = wanted;
        if (level !== grant.level) narrowed.level = level;
        if (grant.scope === "org" && caseId.trim())
          Object.assign(narrowed, { scope: "case", caseId: caseId.trim() });
        await api.post(`${base}/approve`, narrowed, { ifMatch: grant.etag });
      } finally {
        onDone();
      }
    });
  };
  const deny = () =>
    void run(async () => {
      try {
        await api.post(`${base}/deny`, undefined, { ifMatch: grant.etag });
      } finally {
        onDone();
      }
    });
  const levels: [string, string][] =
    grant.level === "identified"
      ? [
          ["identified", t("web.support.level.identified")],
          ["pseudonymised", t("web.support.level.pseudonymised")],
        ]
      : [["pseudonymised", t("web.support.level.pseudonymised")]];
  return (
    <form noValidate onSubmit={approve} class="stack" data-testid="support-decide">
      <FormError error={error} fields={["hours", "level", "scope", "caseId"]} />
      <Field
        label={t("web.support.duration")}
        name="hours"
        type="number"
        inputMode="numeric"
        min={1}
        max={grant.hours}
        value={hours}
        onValue={setHours}
        error={error}
        hint={t("web.support.narrowHint")}
      />
      <Select
        label={t("web.support.levelLabel")}
        name="level"
        value={level}
        onValue={setLevel}
        options={levels}
        error={error}
      />
      {grant.scope === "org" && (
        <Field
          label={t("web.support.narrowCase")}
          name="caseId"
          value={caseId}
          onValue={setCaseId}
          error={error}
        />
      )}
      <div class="actions">
        <button type="submit" class="button" disabled={busy} data-testid="support-approve">
          {t("web.support.approve")}
        </button>
        <button
          type="button"
          class="button-quiet danger"
          disabled={busy}
          onClick={deny}
          data-testid="support-deny"
        >
          {t("web.support.deny")}
        </button>
      </div>
    </form>
  );
}

function Revoke({ orgId, grant, onDone }: { orgId: string; grant: SupportGrant; onDone: () => void }) {
  const { busy, error, run } = useAction();
  const revoke = () => {
    if (!confirmed(t("web.support.revokeConfirm"))) return;
    void run(async () => {
      await api.post(`/api/orgs/${orgId}/support-grants/${grant.grantId}/revoke`);
      onDone();
    });
  };
  return (
    <div class="actions">
      <FormError error={error} />
      <button
        type="button"
        class="button-quiet danger"
        disabled={busy}
        onClick={revoke}
        data-testid="support-revoke"
      >
        {t("web.support.revoke")}
      </button>
    </div>
  );
}

function GrantEntry({
  orgId,
  grant,
  onChanged,
}: {
  orgId: string;
  grant: SupportGrant;
  onChanged: () => void;
}) {
  return (
    <li class="card" data-testid="org-support-grant">
      <h3 class="item-title">
        {grant.operatorName} ·{" "}
        <span class={`tag tag-${grant.status}`}>{t(`web.support.status.${grant.status}`)}</span>
      </h3>
      <GrantTerms grant={grant} />
      <p>
        <strong>{t("web.support.reason")}</strong> {grant.reason} · {grant.ticket}
      </p>
      <p class="meta">
        <span>{t("web.support.requestedAt", { date: formatDateTime(grant.requestedAt) })}</span>
        {grant.activatedAt && (
          <span>{t("web.support.activatedAt", { date: formatDateTime(grant.activatedAt) })}</span>
        )}
      </p>
      {grant.status === "requested" && <Decide orgId={orgId} grant={grant} onDone={onChanged} />}
      {(grant.status === "approved" || grant.status === "active") && (
        <Revoke orgId={orgId} grant={grant} onDone={onChanged} />
      )}
    </li>
  );
}

export function OrgSupportPage({ params }: { params: Record<string, string> }) {
  const { orgId } = params;
  const pending = usePagedList<SupportGrant>(`/api/orgs/${orgId}/support-grants?pending=true`, "grants");
  const all = usePagedList<SupportGrant>(`/api/orgs/${orgId}/support-grants`, "grants");
  const changed = () => {
    pending.reload();
    all.reload();
  };
  return (
    <section class="stack">
      <p class="breadcrumb">
        <Link href={`/orgs/${orgId}`}>{t("web.org.title")}</Link>
      </p>
      <PageTitle>{t("web.support.admin.title")}</PageTitle>
      <p>{t("web.support.admin.intro")}</p>
      <h2>{t("web.support.admin.pending")}</h2>
      <PagedLoaded list={pending} label={t("web.support.admin.pending")}>
        {(items) =>
          items.length === 0 ? (
            <p>{t("web.support.admin.nonePending")}</p>
          ) : (
            <ul class="item-list" data-testid="org-support-pending">
              {items.map((g) => (
                <GrantEntry key={`${g.grantId}-${g.etag}`} orgId={orgId} grant={g} onChanged={changed} />
              ))}
            </ul>
          )
        }
      </PagedLoaded>
      <h2>{t("web.support.admin.all")}</h2>
      <PagedLoaded list={all} label={t("web.support.admin.all")}>
        {(items) => {
          const decided = items.filter((g) => g.status !== "requested");
          return decided.length === 0 ? (
            <p>{t("web.support.none")}</p>
          ) : (
            <ul class="item-list" data-testid="org-support-all">
              {decided.map((g) => (
                <GrantEntry key={`${g.grantId}-${g.etag}`} orgId={orgId} grant={g} onChanged={changed} />
              ))}
            </ul>
          );
        }}
      </PagedLoaded>
    </section>
  );
}
