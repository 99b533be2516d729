// In-app notifications, private to the recipient: who shared what with me, new messages; mark
// one or all as read. The API names who did what on which case as I may see it now (issue 24.6):
// a revoked or deleted item reads as a neutral text, without a name or title and without a link.
import { useState } from "preact/hooks";
import { Link, PageTitle, PagedLoaded, useAction } from "../components/ui";
import { api } from "../lib/api";
import { formatDateTime, t } from "../lib/i18n";
import { refreshUnread } from "../lib/notifications";
import { fetchAll, usePagedList } from "../lib/paging";
import type { NotificationView } from "../lib/types";

const INBOX = "/api/me/notifications";
/** How many ids one "mark as read" takes (shared/notifications: MAX_MARK). */
const MARK_AT_ONCE = 100;

function target(n: NotificationView): string {
  if (n.kind === "export_ready") return "/profile";
  if (n.kind === "reflections_shared") return `/cases/${n.caseId}/dashboard`;
  if (n.kind === "message") return `/cases/${n.caseId}/messages`;
  if (n.kind === "break_glass" && n.itemType === "org") return `/orgs/${n.itemId}/temporary-access`;
  if (n.kind === "access_review_due" && n.itemType === "org") return `/orgs/${n.itemId}/cases`;
  if (n.kind === "support_request" && n.itemType === "org") return `/orgs/${n.itemId}/support`;
  if (n.itemType === "support") return "/support";
  if (n.itemType === "evaluation" || n.itemType === "feedback") return `/cases/${n.caseId}/evaluations`;
  if (n.itemType === "doc") return `/cases/${n.caseId}/documents`;
  if (n.itemType === "note") return `/cases/${n.caseId}/notes`;
  return `/cases/${n.caseId}`;
}

/** The first of these catalog keys that exists, filled in. */
function firstText(keys: string[], params: Record<string, string> = {}): string | null {
  for (const key of keys) {
    const text = t(key, params);
    if (text !== key) return text;
  }
  return null;
}

const ABOUT_AN_ITEM = new Set([
  "share",
  "reflections_shared",
  "evaluation_shared",
  "evaluation_corrected",
  "feedback_shared",
  "feedback_corrected",
]);

/** Who did what, when the API named them; null: say it without names. */
function named(n: NotificationView): string | null {
  if (n.kind === "access_review_due" && n.orgName)
    return t("web.notifications.named.access_review_due", { org: n.orgName });
  if (!n.actorName) return null;
  const params = { actor: n.actorName, title: n.itemTitle ?? "" };
  if (n.kind === "message")
    return t(`web.notifications.named.${n.itemTitle ? "messageIn" : "message"}`, params);
  if (n.kind === "share") {
    const type = n.itemTitle ? (n.itemType ?? "none") : "none";
    return firstText([`web.notifications.named.share.${type}`, "web.notifications.named.share.none"], params);
  }
  return firstText([`web.notifications.named.${n.kind}`], params);
}

function describe(n: NotificationView): string {
  if (!n.available && n.kind === "message") return t("web.notifications.gone.message");
  if (!n.available && ABOUT_AN_ITEM.has(n.kind)) return t("web.notifications.gone.item");
  if (!n.available && n.caseId && n.kind !== "break_glass") return t("web.notifications.gone.case");
  return (
    (n.available ? named(n) : null) ??
    firstText([
      `web.notifications.kind.${n.kind}.${n.itemType ?? "none"}`,
      `web.notifications.kind.${n.kind}.none`,
    ]) ??
    t("web.notifications.kind.other")
  );
}

/** Which case it is about: "Your case" for the employee, the employee's name for the others. */
function caseLine(n: NotificationView): string | null {
  if (n.ownCase) return t("web.notifications.ownCase");
  return n.caseName ? t("web.notifications.caseOf", { name: n.caseName }) : null;
}

export function NotificationsPage() {
  const [unreadOnly, setUnreadOnly] = useState(false);
  const list = usePagedList<NotificationView>(`${INBOX}?unread=${unreadOnly}`, "notifications");
  const { busy, error, run } = useAction();
  const markRead = (ids: string[]) =>
    void run(async () => {
      for (let i = 0; i < ids.length; i += MARK_AT_ONCE) {
        await api.post(`${INBOX}/read`, { notificationIds: ids.slice(i, i + MARK_AT_ONCE) });
      }
      list.reload();
      await refreshUnread();
    });
  // Every unread one, not only those shown: the list is read to its end first.
  const markAllRead = () =>
    void run(async () => {
      const unread = await fetchAll<NotificationView>(`${INBOX}?unread=true`, "notifications");
      for (let i = 0; i < unread.length; i += MARK_AT_ONCE) {
        await api.post(`${INBOX}/read`, {
          notificationIds: unread.slice(i, i + MARK_AT_ONCE).map((n) => n.id),
        });
      }
      list.reload();
      await refreshUnread();
    });
  return (
    <section>
      <PageTitle>{t("web.notifications.title")}</PageTitle>
      <div class="actions list-tools">
        <button
          type="button"
          class="button-quiet"
          aria-pressed={unreadOnly}
          onClick={() => setUnreadOnly(!unreadOnly)}
        >
          {t("web.notifications.unreadOnly")}
        </button>
        <button type="button" class="button-quiet" disabled={busy} onClick={markAllRead}>
          {t("web.notifications.markAllRead")}
        </button>
      </div>
      {error && (
        <p class="alert alert-error" role="alert">
          {error.detail}
        </p>
      )}
      <PagedLoaded list={list} label={t("web.notifications.title")}>
        {(all) =>
          all.length === 0 ? (
            <p>{t("web.notifications.empty")}</p>
          ) : (
            <ul class="item-list" data-testid="notification-list">
              {all.map((n) => (
                <li key={n.id} class={n.read ? "card" : "card unread"} data-testid="notification">
                  <p>
                    {!n.read && <span class="tag tag-new">{t("web.notifications.new")}</span>}{" "}
                    {n.available ? (
                      <Link href={target(n)} onClick={() => !n.read && markRead([n.id])}>
                        {describe(n)}
                      </Link>
                    ) : (
                      <span class="muted" data-testid="notification-gone">
                        {describe(n)}
                      </span>
                    )}
                  </p>
                  <p class="meta">
                    {caseLine(n) && <span data-testid="notification-case">{caseLine(n)}</span>}
                    <span>{formatDateTime(n.at)}</span>
                    {!n.read && (
                      <button
                        type="button"
                        class="button-quiet"
                        disabled={busy}
                        onClick={() => markRead([n.id])}
                      >
                        {t("web.notifications.markRead")}
                      </button>
                    )}
                  </p>
                </li>
              ))}
            </ul>
          )
        }
      </PagedLoaded>
    </section>
  );
}
