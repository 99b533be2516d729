// The unread count in the header, refreshed on every page change and after marking as read.
import { api } from "./api";
import { createStore } from "./store";

export const unreadCount = createStore<number>(0);

export async function refreshUnread(): Promise<void> {
  try {
    const { data } = await api.get<{ unreadCount: number }>("/api/me/notifications/unread-count");
    unreadCount.set(data.unreadCount);
  } catch {
    // the badge is a convenience: a failed refresh keeps the last number
  }
}
