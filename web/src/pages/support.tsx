// Support operators (SPEC journey 16, issue 22): ask an organisation for access — scope, reason,
// ticket, duration, data level — and see one's own requests and grants; activate an approved one
// with a fresh second factor; open the read-only views of an active one.
import { useEffect, useState } from "preact/hooks";
import { Field, FormError, Link, Notice, PageTitle, PagedLoaded, Select, useAction } from "../components/ui";
import { api } from "../lib/api";
import type { SupportGrant } from "../lib/api-types";
import { entraEnabled, entraProblem, stepUp } from "../lib/entra";
import { formatDateTime, t } from "../lib/i18n";
import { usePagedList } from "../lib/paging";

// The grant's shape is the API document's (generated: lib/api-types.ts).
export type { SupportGrant };

/** Scope, level and time of a grant, in one line. */
export function GrantTerms({ grant }: { grant: SupportGrant }) {
  return (
    <p class="meta">
      <span>
        {grant.scope === "case" && grant.caseId
          ? t("web.support.scopeCase", { id: grant.caseId.slice(0, 8) })
          : t("web.support.scopeOrg")}
      </span>
      <span>{t(`web.support.level.${grant.level}`)}</span>
      <span>{t("web.support.hours", { count: grant.hours })}</span>
      {grant.untilAt && grant.status !== "revoked" && (
        <span>{t("web.support.until", { date: formatDateTime(grant.untilAt) })}</span>
      )}
    </p>
  );
}

function RequestForm({ onSent }: { onSent: () => void }) {
  const [orgId, setOrgId] = useState("");
  const [scope, setScope] = useState("org");
  const [caseId, setCaseId] = useState("");
  const [reason, setReason] = useState("");
  const [ticket, setTicket] = useState("");
  const [hours, setHours] = useState("24");
  const [level, setLevel] = useState("pseudonymised");
  const [sent, setSent] = useState(false);
  const { busy, error, run } = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    setSent(false);
    void run(async () => {
      const body = {
        orgId: orgId.trim(),
        scope,
        caseId: scope === "case" ? caseId.trim() : null,
        reason,
        ticket,
        hours: Number.parseInt(hours, 10) || null,
        level,
      };
      await api.post("/api/support/grants", body);
      setReason("");
      setTicket("");
      setSent(true);
      onSent();
    });
  };
  return (
    <form noValidate onSubmit={submit} class="stack card" data-testid="support-request-form">
      <h2>{t("web.support.requestTitle")}</h2>
      <p class="hint">{t("web.support.requestIntro")}</p>
      {sent && <Notice kind="success">{t("web.support.requestSent")}</Notice>}
      <FormError error={error} fields={["orgId", "scope", "caseId", "reason", "ticket", "hours", "level"]} />
      <Field
        label={t("web.support.orgId")}
        name="orgId"
        value={orgId}
        onValue={setOrgId}
        error={error}
        hint={t("web.support.orgIdHint")}
      />
      <Select
        label={t("web.support.scope")}
        name="scope"
        value={scope}
        onValue={setScope}
        options={[
          ["org", t("web.support.scopeOrgShort")],
          ["case", t("web.support.scopeOneCase")],
        ]}
        error={error}
      />
      {scope === "case" && (
        <Field
          label={t("web.support.caseId")}
          name="caseId"
          value={caseId}
          onValue={setCaseId}
          error={error}
        />
      )}
      <Field
        label={t("web.support.reasonLabel")}
        name="reason"
        value={reason}
        onValue={setReason}
        error={error}
      />
      <Field label={t("web.support.ticket")} name="ticket" value={ticket} onValue={setTicket} error={error} />
      <Field
        label={t("web.support.duration")}
        name="hours"
        type="number"
        inputMode="numeric"
        min={1}
        max={72}
        value={hours}
        onValue={setHours}
        error={error}
        hint={t("web.support.durationHint")}
      />
      <Select
        label={t("web.support.levelLabel")}
        name="level"
        value={level}
        onValue={setLevel}
        options={[
          ["pseudonymised", t("web.support.level.pseudonymised")],
          ["identified", t("web.support.level.identified")],
        ]}
        error={error}
      />
      <div class="actions">
        <button type="submit" class="button" disabled={busy} data-testid="support-request-send">
          {t("web.support.send")}
        </button>
      </div>
    </form>
  );
}

/** Which grant a Microsoft step-up (a round trip through Entra) was for. */
const STEP_UP_KEY = "casedesk.support.stepUp";

function Activate({ grant, onDone }: { grant: SupportGrant; onDone: () => void }) {
  const [code, setCode] = useState("");
  const [microsoft, setMicrosoft] = useState(false);
  const { busy, error, setError, run } = useAction();
  useEffect(() => {
    void entraEnabled().then(setMicrosoft);
    // Back from a fresh Microsoft sign-in (?entra=stepped_up): activate without a code.
    const query = new URLSearchParams(window.location.search);
    const failed = entraProblem(query.get("entraError"));
    if (failed) setError(failed);
    else if (query.get("entra") === "stepped_up" && sessionStorage.getItem(STEP_UP_KEY) === grant.grantId) {
      sessionStorage.removeItem(STEP_UP_KEY);
      void run(async () => {
        await api.post(`/api/support/grants/${grant.grantId}/activate`, { code: null });
        onDone();
      });
    }
  }, [grant.grantId]);
  const submit = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      await api.post(`/api/support/grants/${grant.grantId}/activate`, { code: code.trim() || null });
      onDone();
    });
  };
  return (
    <form noValidate onSubmit={submit} class="stack" data-testid="support-activate">
      <FormError error={error} fields={["code"]} />
      <Field
        label={t("web.support.code")}
        name="code"
        value={code}
        onValue={setCode}
        error={error}
        autoComplete="one-time-code"
        inputMode="numeric"
        hint={t("web.support.codeHint")}
      />
      <div class="actions">
        <button type="submit" class="button" disabled={busy}>
          {t("web.support.activate")}
        </button>
        {microsoft && (
          <button
            type="button"
            class="button-quiet"
            disabled={busy}
            onClick={() => {
              sessionStorage.setItem(STEP_UP_KEY, grant.grantId);
              void stepUp("/support");
            }}
          >
            {t("web.support.stepUp")}
          </button>
        )}
      </div>
    </form>
  );
}

function GrantEntry({ grant, onChanged }: { grant: SupportGrant; onChanged: () => void }) {
  return (
    <li class="card" data-testid="support-grant">
      <h3 class="item-title">
        {grant.orgName || grant.orgId.slice(0, 8)} ·{" "}
        <span class={`tag tag-${grant.status}`}>{t(`web.support.status.${grant.status}`)}</span>
      </h3>
      <GrantTerms grant={grant} />
      <p>
        <strong>{t("web.support.reason")}</strong> {grant.reason} · {grant.ticket}
      </p>
      {grant.status === "approved" && <Activate grant={grant} onDone={onChanged} />}
      {grant.status === "active" && (
        <p>
          <Link href={`/support/grants/${grant.grantId}`} class="button" data-testid="support-open">
            {t("web.support.open")}
          </Link>
        </p>
      )}
    </li>
  );
}

export function SupportPage() {
  const list = usePagedList<SupportGrant>("/api/support/grants", "grants");
  return (
    <section class="stack">
      <PageTitle>{t("web.support.title")}</PageTitle>
      <p>{t("web.support.intro")}</p>
      <RequestForm onSent={list.reload} />
      <h2>{t("web.support.mine")}</h2>
      <PagedLoaded list={list} label={t("web.support.mine")}>
        {(items) =>
          items.length === 0 ? (
            <p>{t("web.support.none")}</p>
          ) : (
            <ul class="item-list" data-testid="support-grants">
              {items.map((g) => (
                <GrantEntry key={`${g.grantId}-${g.etag}`} grant={g} onChanged={list.reload} />
              ))}
            </ul>
          )
        }
      </PagedLoaded>
    </section>
  );
}
