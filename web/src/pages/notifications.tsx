// In-app notifications, private to the recipient: what was shared with me, new messages; mark
// one or all as read. They carry ids only; the link opens the case section with the item.
import { useState } from "preact/hooks";
import { Link, Loaded, PageTitle, useAction, useResource } from "../components/ui";
import { api } from "../lib/api";
import { formatDateTime, t } from "../lib/i18n";
import { refreshUnread } from "../lib/notifications";
import type { NotificationView } from "../lib/types";

interface Page {
  notifications: NotificationView[];
  continuation: string | null;
}

function target(n: NotificationView): string {
  if (n.itemType === "doc") return `/cases/${n.caseId}/documents`;
  if (n.itemType === "note") return `/cases/${n.caseId}/notes`;
  return `/cases/${n.caseId}`;
}

function describe(n: NotificationView): string {
  const key = `web.notifications.kind.${n.kind}.${n.itemType ?? "none"}`;
  const text = t(key);
  return text === key ? t("web.notifications.kind.other") : text;
}

export function NotificationsPage() {
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [more, setMore] = useState<NotificationView[]>([]);
  const [continuation, setContinuation] = useState<string | null>(null);
  const first = useResource(async () => {
    const { data } = await api.get<Page>(`/api/me/notifications?limit=50&unread=${unreadOnly}`);
    setMore([]);
    setContinuation(data.continuation);
    return data.notifications;
  }, [unreadOnly]);
  const { busy, error, run } = useAction();
  const all = [...(first.data ?? []), ...more];
  const markRead = (ids: string[]) =>
    void run(async () => {
      if (ids.length === 0) return;
      await api.post("/api/me/notifications/read", { notificationIds: ids.slice(0, 100) });
      first.reload();
      await refreshUnread();
    });
  const loadMore = () =>
    void run(async () => {
      const { data } = await api.get<Page>(`/api/me/notifications?limit=50&unread=${unreadOnly}&continuation=${encodeURIComponent(continuation ?? "")}`);
      setMore([...more, ...data.notifications]);
      setContinuation(data.continuation);
    });
  return (
    <section>
      <PageTitle>{t("web.notifications.title")}</PageTitle>
      <div class="actions">
        <button type="button" class="button-quiet" aria-pressed={unreadOnly} onClick={() => setUnreadOnly(!unreadOnly)}>
          {t("web.notifications.unreadOnly")}
        </button>
        <button type="button" class="button-quiet" disabled={busy} onClick={() => markRead(all.filter((n) => !n.read).map((n) => n.id))}>
          {t("web.notifications.markAllRead")}
        </button>
      </div>
      {error && (
        <p class="alert alert-error" role="alert">
          {error.detail}
        </p>
      )}
      <Loaded data={first.data} error={first.error}>
        {() =>
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
      </Loaded>
      {continuation && (
        <button type="button" class="button-quiet" disabled={busy} onClick={loadMore}>
          {t("web.common.loadMore")}
        </button>
      )}
    </section>
  );
}
