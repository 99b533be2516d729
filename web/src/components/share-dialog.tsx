// The owner's sharing dialog for one item: give access to another participant (optionally
// until a date), who has access now (with expiry; below the form, as it loads), revoke — and a
// link to "see what X sees".
// The reflection series (segment ``reflection-series``) has more options: all entries or from a
// date on, and whether the free-text answers are included (off unless ticked). Sharing it with
// the employer contact shows the health-data warning first; only a confirmation resends it
// with ``acknowledgeEmployerWarning``.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, api } from "../lib/api";
import { whoHasAccess } from "../lib/cases";
import { formatDate, formatDateTime, t } from "../lib/i18n";
import itemTypes from "../lib/item-types.json";
import type { AccessEntry, Participant } from "../lib/types";
import { DateField, dayError, isIsoDay, localToday } from "./date-field";
import { roleName } from "./labels";
import { Checkbox, Dialog, FormError, Link, Loaded, Notice, Select, useAction, useResource } from "./ui";

/** The URL segments of the item types (rendered from the registry, shared/item_types.py). */
export type ItemSegment = (typeof itemTypes)[number]["segment"];
export const ITEM_SEGMENTS: readonly string[] = itemTypes.map((t) => t.segment);

/** The reflection series: shared as a whole, with its own options. */
export const SERIES_SEGMENT = "reflection-series";

export interface Shareable {
  kind: ItemSegment | typeof SERIES_SEGMENT;
  id: string;
  title: string;
}

/** The end of the chosen day in the user's time zone, as ISO-8601 with offset (the API wants
 * an aware date-time). */
function endOfDay(date: string): string {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(y, m - 1, d, 23, 59, 59).toISOString();
}

/** What a holder's access is, in words (owner; shared until…; for the series, from when and
 * whether the written answers are included). */
export function accessWords(entry: AccessEntry, series: boolean): string[] {
  if (entry.access === "owner") return [t("web.sharing.owner")];
  if (entry.access === "subject") return [t("web.sharing.subjectAlways")];
  const words = [
    entry.expiresAt
      ? t("web.sharing.sharedUntil", { date: formatDateTime(entry.expiresAt) })
      : t("web.sharing.sharedOpenEnded"),
  ];
  if (series) {
    words.push(
      entry.fromDate
        ? t("web.sharing.series.fromDateIs", { date: formatDate(entry.fromDate) })
        : t("web.sharing.series.allEntries"),
    );
    words.push(entry.includeText ? t("web.sharing.series.withText") : t("web.sharing.series.scalesOnly"));
  }
  return words;
}

export function ShareDialog({
  caseId,
  item,
  participants,
  onClose,
}: {
  caseId: string;
  item: Shareable;
  participants: Participant[];
  onClose: () => void;
}) {
  const base = `/api/cases/${caseId}/${item.kind}/${item.id}`;
  const series = item.kind === SERIES_SEGMENT;
  const access = useResource(() => whoHasAccess(base), [base]); // every page: the picker leaves these out
  const [grantee, setGrantee] = useState("");
  const [until, setUntil] = useState("");
  const [scope, setScope] = useState<"all" | "from">("all");
  const [fromDate, setFromDate] = useState("");
  const [includeText, setIncludeText] = useState(false);
  const [warning, setWarning] = useState<{ userId: string; detail: string } | null>(null);
  const { busy, error, setError, run } = useAction();
  const [done, setDone] = useState<string | null>(null);
  const warningRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // The warning replaces the form: bring it into view (a phone shows the dialog's top) and
    // put the focus on it, so it is read before anything else.
    warningRef.current?.scrollIntoView({ block: "start" });
    warningRef.current?.focus();
  }, [warning !== null]);
  const holders = new Set((access.data ?? []).map((a) => a.userId));
  const candidates = participants.filter((p) => p.status === "active" && !holders.has(p.userId));
  // Nobody is chosen until the owner picks someone: a click on Share never shares by default.
  const chosen = grantee && candidates.some((c) => c.userId === grantee) ? grantee : "";
  const chosenRole = candidates.find((c) => c.userId === chosen)?.role;

  const send = (userId: string, acknowledged: boolean) =>
    void run(async () => {
      setDone(null);
      const body: Record<string, unknown> = { expiresAt: until ? endOfDay(until) : null };
      if (series) {
        body.fromDate = scope === "from" ? fromDate || null : null;
        body.includeText = includeText;
        if (acknowledged) body.acknowledgeEmployerWarning = true;
      }
      try {
        await api.put(`${base}/grants/${userId}`, body);
      } catch (caught) {
        // The API insists on the warning (the role may have changed since the page loaded).
        if (caught instanceof ApiError && caught.code === "employer_health_data_warning") {
          setWarning({ userId, detail: caught.detail });
          return;
        }
        throw caught;
      }
      setWarning(null);
      setUntil("");
      setGrantee("");
      setScope("all");
      setFromDate("");
      setIncludeText(false);
      access.reload();
    });

  const share = (event: Event) => {
    event.preventDefault();
    if (!chosen) return;
    // A day typed wrong (or an expiry in the past) is refused at its field: nothing is sent.
    const wrongDay =
      (series && scope === "from" ? dayError("fromDate", fromDate, { required: true }) : null) ??
      dayError("expiresAt", until, { min: localToday() });
    if (wrongDay) {
      setError(wrongDay);
      return;
    }
    // Health data for the employer: the warning comes first, nothing is sent before "yes".
    if (series && chosenRole === "employer") {
      setWarning({ userId: chosen, detail: t("web.sharing.series.employerWarning") });
      return;
    }
    send(chosen, false);
  };
  const revoke = (entry: AccessEntry) =>
    void run(async () => {
      setDone(null);
      await api.delete(`${base}/grants/${entry.userId}`);
      access.reload();
      setDone(t("web.sharing.revoked", { name: personName(entry) })); // the row goes: say what happened
    });

  return (
    <Dialog title={t("web.sharing.title", { title: item.title })} onClose={onClose}>
      <div data-testid="share-dialog">
        <FormError error={error} fields={["expiresAt", "fromDate", "includeText"]} />
        <div aria-live="polite" data-testid="share-done">
          {done && <Notice kind="success">{done}</Notice>}
        </div>
        {warning ? (
          <div
            class="alert alert-warning"
            role="alert"
            tabIndex={-1}
            ref={warningRef}
            data-testid="employer-warning"
          >
            <h3>{t("web.sharing.series.employerWarningTitle")}</h3>
            <p>{warning.detail}</p>
            <div class="actions">
              <button type="button" class="button" disabled={busy} onClick={() => send(warning.userId, true)}>
                {t("web.sharing.series.shareAnyway")}
              </button>
              <button type="button" class="button-quiet" onClick={() => setWarning(null)}>
                {t("web.common.cancel")}
              </button>
            </div>
          </div>
        ) : candidates.length === 0 ? (
          <p class="muted">{t("web.sharing.nobodyElse")}</p>
        ) : (
          <form onSubmit={share} noValidate data-testid="share-form">
            <h3>{t("web.sharing.giveAccess")}</h3>
            <Select
              label={t("web.sharing.person")}
              name="userId"
              value={chosen}
              onValue={setGrantee}
              options={[
                ["", t("web.sharing.choosePerson")],
                ...candidates.map((p): [string, string] => [p.userId, `${p.name} (${roleName(p.role)})`]),
              ]}
              error={error}
            />
            {series && (
              <>
                <fieldset class="series-scope" data-testid="series-scope">
                  <legend>{t("web.sharing.series.which")}</legend>
                  <div class="field field-check">
                    <input
                      type="radio"
                      id="series-scope-all"
                      name="scope"
                      value="all"
                      checked={scope === "all"}
                      onChange={() => setScope("all")}
                    />
                    <label for="series-scope-all">{t("web.sharing.series.allEntries")}</label>
                  </div>
                  <div class="field field-check">
                    <input
                      type="radio"
                      id="series-scope-from"
                      name="scope"
                      value="from"
                      checked={scope === "from"}
                      onChange={() => setScope("from")}
                    />
                    <label for="series-scope-from">{t("web.sharing.series.fromDateOption")}</label>
                  </div>
                  {scope === "from" && (
                    <DateField
                      label={t("web.sharing.series.fromDate")}
                      name="fromDate"
                      required
                      value={fromDate}
                      onValue={setFromDate}
                      error={error}
                    />
                  )}
                </fieldset>
                <Checkbox
                  label={t("web.sharing.series.includeText")}
                  name="includeText"
                  checked={includeText}
                  onChecked={setIncludeText}
                  error={error}
                />
                <p class="hint">
                  {includeText
                    ? t("web.sharing.series.includeTextOn")
                    : t("web.sharing.series.includeTextOff")}
                </p>
              </>
            )}
            <DateField
              label={t("web.sharing.until")}
              hint={
                isIsoDay(until)
                  ? t("web.sharing.untilChosen", { date: formatDate(until) })
                  : t("web.sharing.untilHint")
              }
              name="expiresAt"
              min={localToday()}
              value={until}
              onValue={setUntil}
              error={error}
            />
            {series && chosenRole === "employer" && (
              <p class="hint" data-testid="employer-hint">
                {t("web.sharing.series.employerHint")}
              </p>
            )}
            <div class="actions">
              <button type="submit" class="button" disabled={busy || !chosen} data-testid="share-submit">
                {t("web.sharing.share")}
              </button>
            </div>
          </form>
        )}
        {/* Who has access comes after the form: it loads, and the form must not move when it
            arrives (issue 24.8). */}
        <h3>{t("web.sharing.whoHasAccess")}</h3>
        <Loaded data={access.data} error={access.error}>
          {(entries) => (
            <ul class="people" data-testid="access-list">
              {entries.map((entry) => (
                <li key={entry.userId} class="person">
                  <span class="person-name">{personName(entry)}</span>
                  <span class="muted">{entry.role && roleName(entry.role)}</span>
                  <span>{accessWords(entry, series).join(" · ")}</span>
                  {entry.access === "shared" && (
                    <span class="person-actions">
                      <Link href={`/cases/${caseId}/seen-by/${entry.userId}`}>
                        {t("web.sharing.seeWhat", { name: personName(entry) })}
                      </Link>
                      <button
                        type="button"
                        class="button-quiet danger"
                        disabled={busy}
                        onClick={() => revoke(entry)}
                      >
                        {t("web.sharing.revoke")}
                        <span class="visually-hidden"> {personName(entry)}</span>
                      </button>
                    </span>
                  )}
                </li>
              ))}
            </ul>
          )}
        </Loaded>
      </div>
    </Dialog>
  );
}

/** Someone with access, by name; an account deleted since has none. */
export function personName(entry: AccessEntry): string {
  return entry.name ?? t("web.case.formerParticipant");
}
