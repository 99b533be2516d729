// In-app notifications, private to the recipient: what was shared with me, new messages; mark
// one or all as read. They carry ids only; the link opens the case section with the item.
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
  if (n.itemType === "evaluation" || n.itemType === "feedback") return `/cases/${n.caseId}/evaluations`;
  if (n.itemType === "doc") return `/cases/${n.caseId}/documents`;
  if (n.itemType === "note") return `/cases/${n.caseId}/notes`;
  return `/cases/${n.caseId}`;
}

function describe(n: NotificationView): string {
  for (const key of [`web.notifications.kind.${n.kind}.${n.itemType ?? "none"}`, `web.notifications.kind.${n.kind}.none`]) {
    const text = t(key);
    if (text !== key) return text;
  }
  return t("web.notifications.kind.other");
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
        await api.post(`${INBOX}/read`, { notificationIds: unread.slice(i, i + MARK_AT_ONCE).map((n) => n.id) });
      }
      list.reload();
      await refreshUnread();
    });
  return (
    <section>
      <PageTitle>{t("web.notifications.title")}</PageTitle>
      <div class="actions">
        <button type="button" class="button-quiet" aria-pressed={unreadOnly} onClick={() => setUnreadOnly(!unreadOnly)}>
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
                    <Link href={target(n)} onClick={() => !n.read && markRead([n.id])}>
                      {describe(n)}
                    </Link>
                  </p>
                  <p class="meta">
                    <span>{formatDateTime(n.at)}</span>
                    {!n.read && (
                      <button type="button" class="button-quiet" disabled={busy} onClick={() => markRead([n.id])}>
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
