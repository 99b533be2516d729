// The owner's sharing dialog for one item: who has access now (with expiry), give access to
// another participant (optionally until a date), revoke — and a link to "see what X sees".
import { useState } from "preact/hooks";
import { api } from "../lib/api";
import { formatDate, formatDateTime, t } from "../lib/i18n";
import itemTypes from "../lib/item-types.json";
import type { AccessEntry, Participant } from "../lib/types";
import { roleName } from "./labels";
import { Dialog, Field, FormError, Link, Loaded, Select, useAction, useResource } from "./ui";

/** The URL segments of the item types (rendered from the registry, shared/item_types.py). */
export type ItemSegment = (typeof itemTypes)[number]["segment"];
export const ITEM_SEGMENTS: readonly string[] = itemTypes.map((t) => t.segment);

export interface Shareable {
  kind: ItemSegment;
  id: string;
  title: string;
}

/** The end of the chosen day in the user's time zone, as ISO-8601 with offset (the API wants
 * an aware date-time). */
function endOfDay(date: string): string {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(y, m - 1, d, 23, 59, 59).toISOString();
}

export function ShareDialog({ caseId, item, participants, onClose }: { caseId: string; item: Shareable; participants: Participant[]; onClose: () => void }) {
  const base = `/api/cases/${caseId}/${item.kind}/${item.id}`;
  const access = useResource(async () => (await api.get<{ access: AccessEntry[] }>(`${base}/access`)).data.access, [base]);
  const [grantee, setGrantee] = useState("");
  const [until, setUntil] = useState("");
  const { busy, error, run } = useAction();
  const holders = new Set((access.data ?? []).map((a) => a.userId));
  const candidates = participants.filter((p) => p.status === "active" && !holders.has(p.userId));
  const chosen = grantee && candidates.some((c) => c.userId === grantee) ? grantee : (candidates[0]?.userId ?? "");

  const share = (event: Event) => {
    event.preventDefault();
    if (!chosen) return;
    void run(async () => {
      await api.put(`${base}/grants/${chosen}`, { expiresAt: until ? endOfDay(until) : null });
      setUntil("");
      setGrantee("");
      access.reload();
    });
  };
  const revoke = (entry: AccessEntry) =>
    void run(async () => {
      await api.delete(`${base}/grants/${entry.userId}`);
      access.reload();
    });

  return (
    <Dialog title={t("web.sharing.title", { title: item.title })} onClose={onClose}>
      <div data-testid="share-dialog">
        <h3>{t("web.sharing.whoHasAccess")}</h3>
        <Loaded data={access.data} error={access.error}>
          {(entries) => (
            <ul class="people" data-testid="access-list">
              {entries.map((entry) => (
                <li key={entry.userId} class="person">
                  <span class="person-name">{entry.name}</span>
                  <span class="muted">{roleName(entry.role)}</span>
                  <span>
                    {entry.access === "owner"
                      ? t("web.sharing.owner")
                      : entry.expiresAt
                        ? t("web.sharing.sharedUntil", { date: formatDateTime(entry.expiresAt) })
                        : t("web.sharing.sharedOpenEnded")}
                  </span>
                  {entry.access === "shared" && (
                    <span class="person-actions">
                      <Link href={`/cases/${caseId}/seen-by/${entry.userId}`}>{t("web.sharing.seeWhat", { name: entry.name })}</Link>
                      <button type="button" class="button-quiet danger" disabled={busy} onClick={() => revoke(entry)}>
                        {t("web.sharing.revoke")}
                        <span class="visually-hidden"> {entry.name}</span>
                      </button>
                    </span>
                  )}
                </li>
              ))}
            </ul>
          )}
        </Loaded>
        <FormError error={error} fields={["expiresAt"]} />
        {candidates.length === 0 ? (
          <p class="muted">{t("web.sharing.nobodyElse")}</p>
        ) : (
          <form onSubmit={share} noValidate data-testid="share-form">
            <h3>{t("web.sharing.giveAccess")}</h3>
            <Select label={t("web.sharing.person")} name="userId" value={chosen} onValue={setGrantee} options={candidates.map((p) => [p.userId, `${p.name} (${roleName(p.role)})`])} error={error} />
            <Field
              label={t("web.sharing.until")}
              hint={until ? t("web.sharing.untilChosen", { date: formatDate(until) }) : t("web.sharing.untilHint")}
              name="expiresAt"
              type="date"
              value={until}
              onValue={setUntil}
              error={error}
            />
            <div class="actions">
              <button type="submit" class="button" disabled={busy}>
                {t("web.sharing.share")}
              </button>
            </div>
          </form>
        )}
      </div>
    </Dialog>
  );
}
