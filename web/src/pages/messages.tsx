// Messages of a case (issue 18): the threads I am a member of, with unread counts; one thread
// with its messages (newest page first, older ones on request); start a thread, write, attach one
// of my own documents (it is shared with the other members), add a member, leave, delete my own
// message within 15 minutes. The list and the open thread refresh by polling while the tab is
// visible, with If-None-Match: an unchanged list costs the server one point read and answers 304.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import {
  Checkbox,
  Field,
  FormError,
  Link,
  Loading,
  Select,
  confirmed,
  requiredError,
  useAction,
} from "../components/ui";
import { roleName } from "../components/labels";
import { ApiError, api } from "../lib/api";
import { formatDateTime, language, t } from "../lib/i18n";
import { refreshUnread } from "../lib/notifications";
import { fetchAll, fetchPage } from "../lib/paging";
import { session } from "../lib/session";
import { useStore } from "../lib/store";
import type { CaseContext } from "./case";
import type * as Api from "../lib/api-types";

type ThreadView = Api.ThreadView;

type ThreadList = Api.ThreadList;

type MessageView = Api.MessageView;

interface DocumentSummary {
  id: string;
  title: string;
  mine: boolean;
}

/** How often an open list or thread asks whether something changed (only while visible). */
const POLL_MS = 4000;

/** A GET with If-None-Match: ``null`` when unchanged (304), else the answer and its ETag. */
async function poll<T>(path: string, etag: string | null): Promise<{ data: T; etag: string | null } | null> {
  const headers: Record<string, string> = { Accept: "application/json", "Accept-Language": language.get() };
  if (etag) headers["If-None-Match"] = etag;
  let response: Response | null = null;
  try {
    response = await fetch(path, { headers, credentials: "same-origin" });
  } catch {
    response = null;
  }
  if (response?.status === 304) return null;
  if (response?.ok) return { data: (await response.json()) as T, etag: response.headers.get("ETag") };
  const { data, etag: fresh } = await api.get<T>(path); // a problem becomes an ApiError, as everywhere
  return { data, etag: fresh };
}

/** Call ``tick`` every ``ms`` while the page is visible, and at once when it becomes visible. */
function useVisiblePolling(tick: () => void, ms: number) {
  const latest = useRef(tick);
  latest.current = tick;
  useEffect(() => {
    const run = () => {
      if (document.visibilityState === "visible") latest.current();
    };
    const timer = window.setInterval(run, ms);
    document.addEventListener("visibilitychange", run);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener("visibilitychange", run);
    };
  }, [ms]);
}

function useNames(context: CaseContext) {
  const me = useStore(session);
  const names = new Map(context.summary.participants.map((p) => [p.userId, p.name]));
  return (userId: string, former = false): string => {
    if (userId === me?.userId) return t("web.messages.you");
    if (former) return t("web.messages.former");
    return names.get(userId) || t("web.messages.former"); // a deleted account has no name left
  };
}

function NewThread({
  context,
  onStarted,
  onCancel,
}: {
  context: CaseContext;
  onStarted: (id: string) => void;
  onCancel: () => void;
}) {
  const me = useStore(session);
  const others = context.summary.participants.filter((p) => p.status === "active" && p.userId !== me?.userId);
  const [chosen, setChosen] = useState<string[]>([]);
  const [subject, setSubject] = useState("");
  const [text, setText] = useState("");
  const { busy, error, setError, run } = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    if (chosen.length === 0) return setError(requiredError("memberIds"));
    if (!text.trim()) return setError(requiredError("text"));
    void run(async () => {
      const { data } = await api.post<ThreadView>(`/api/cases/${context.summary.caseId}/threads`, {
        memberIds: chosen,
        subject: subject.trim() || null,
        text,
      });
      onStarted(data.id);
    });
  };
  return (
    <form class="card" onSubmit={submit} noValidate data-testid="thread-form">
      <h3>{t("web.messages.newThread")}</h3>
      <FormError error={error} fields={["memberIds", "subject", "text"]} />
      <fieldset class="field">
        <legend>{t("web.messages.with")}</legend>
        {others.map((p) => (
          <Checkbox
            key={p.userId}
            name="memberIds"
            label={`${p.name} (${roleName(p.role)})`}
            checked={chosen.includes(p.userId)}
            onChecked={(on) => setChosen(on ? [...chosen, p.userId] : chosen.filter((id) => id !== p.userId))}
            error={error}
          />
        ))}
      </fieldset>
      <Field
        label={t("web.messages.subject")}
        hint={t("web.messages.subjectHint")}
        name="subject"
        value={subject}
        onValue={setSubject}
        error={error}
      />
      <Field
        label={t("web.messages.text")}
        name="text"
        multiline
        value={text}
        onValue={setText}
        error={error}
      />
      <div class="actions">
        <button type="submit" class="button" disabled={busy}>
          {t("web.messages.send")}
        </button>
        <button type="button" class="button-quiet" onClick={onCancel}>
          {t("web.common.cancel")}
        </button>
      </div>
    </form>
  );
}

function Compose({ url, caseId, onSent }: { url: string; caseId: string; onSent: () => void }) {
  const [text, setText] = useState("");
  const [attachment, setAttachment] = useState("");
  const [documents, setDocuments] = useState<DocumentSummary[]>([]);
  const { busy, error, setError, run } = useAction();
  useEffect(() => {
    fetchAll<DocumentSummary>(`/api/cases/${caseId}/documents`, "documents").then(
      (all) => setDocuments(all.filter((d) => d.mine)),
      () => setDocuments([]),
    );
  }, [caseId]);
  const submit = (event: Event) => {
    event.preventDefault();
    if (!text.trim()) return setError(requiredError("text"));
    void run(async () => {
      await api.post(`${url}/messages`, { text, attachment: attachment || null });
      setText("");
      setAttachment("");
      onSent();
    });
  };
  return (
    <form class="card compose" onSubmit={submit} noValidate data-testid="compose">
      <FormError error={error} fields={["text", "attachment"]} />
      <Field
        label={t("web.messages.text")}
        name="text"
        multiline
        value={text}
        onValue={setText}
        error={error}
      />
      {documents.length > 0 && (
        <Select
          label={t("web.messages.attach")}
          name="attachment"
          value={attachment}
          onValue={setAttachment}
          options={[
            ["", t("web.messages.noAttachment")],
            ...documents.map((d): [string, string] => [d.id, d.title]),
          ]}
          error={error}
        />
      )}
      {attachment && <p class="hint">{t("web.messages.attachHint")}</p>}
      <div class="actions">
        <button type="submit" class="button" disabled={busy} data-testid="send">
          {t("web.messages.send")}
        </button>
      </div>
    </form>
  );
}

function Message({
  message,
  author,
  url,
  caseId,
  onChanged,
}: {
  message: MessageView;
  author: string;
  url: string;
  caseId: string;
  onChanged: () => void;
}) {
  const { busy, error, run } = useAction();
  return (
    <li class={`card message${message.mine ? " message-mine" : ""}`} data-testid="message">
      <p class="meta">
        <span>{author}</span>
        <span>{formatDateTime(message.createdAt)}</span>
      </p>
      {message.deleted ? (
        <p class="hint" data-testid="message-deleted">
          {t("web.messages.deleted")}
        </p>
      ) : (
        <p class="pre" data-testid="message-text">
          {message.text}
        </p>
      )}
      {message.attachment &&
        (message.attachment.available ? (
          <p data-testid="attachment">
            {t("web.messages.attachment")}:{" "}
            <Link href={`/cases/${caseId}/documents`}>{message.attachment.title}</Link>
          </p>
        ) : (
          <p class="hint" data-testid="attachment-unavailable">
            {t("web.messages.attachmentGone")}
          </p>
        ))}
      <FormError error={error} />
      {message.canDelete && (
        <div class="actions">
          <button
            type="button"
            class="button-quiet danger"
            disabled={busy}
            data-testid="message-delete"
            onClick={() =>
              confirmed(t("web.messages.deleteConfirm")) &&
              void run(async () => {
                try {
                  await api.delete(`${url}/messages/${message.id}`);
                } finally {
                  onChanged();
                }
              })
            }
          >
            {t("web.common.delete")}
          </button>
        </div>
      )}
    </li>
  );
}

function byId(a: MessageView, b: MessageView): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function Thread({
  context,
  threadId,
  onBack,
}: {
  context: CaseContext;
  threadId: string;
  onBack: () => void;
}) {
  const caseId = context.summary.caseId;
  const url = `/api/cases/${caseId}/threads/${threadId}`;
  const name = useNames(context);
  const [state, setState] = useState<ThreadView | null>(null);
  const [messages, setMessages] = useState<MessageView[] | null>(null);
  const [older, setOlder] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [adding, setAdding] = useState("");
  const etag = useRef<string | null>(null);
  const { busy, error, run } = useAction();

  const newest = useCallback(async () => {
    const page = await fetchPage<MessageView>(`${url}/messages`, "messages");
    setMessages((shown) => {
      const merged = new Map((shown ?? []).map((m) => [m.id, m]));
      for (const m of page.items) merged.set(m.id, m);
      return [...merged.values()].sort(byId);
    });
    setOlder((current) => (messages === null ? page.continuation : current));
    refreshUnread();
  }, [url]); // eslint-disable-line react-hooks/exhaustive-deps

  const refresh = useCallback(
    async (force = false) => {
      try {
        const answer = await poll<ThreadView>(url, force ? null : etag.current);
        if (answer === null) return;
        etag.current = answer.etag;
        setState(answer.data);
        await newest();
      } catch (caught) {
        if (caught instanceof ApiError) setLoadError(caught);
      }
    },
    [url, newest],
  );

  useEffect(() => {
    etag.current = null;
    setMessages(null);
    setState(null);
    void (async () => {
      try {
        const first = await fetchPage<MessageView>(`${url}/messages`, "messages");
        setMessages([...first.items].sort(byId));
        setOlder(first.continuation);
        refreshUnread();
        const answer = await poll<ThreadView>(url, null);
        if (answer) {
          etag.current = answer.etag;
          setState(answer.data);
        }
      } catch (caught) {
        if (caught instanceof ApiError) setLoadError(caught);
      }
    })();
  }, [url]);
  useVisiblePolling(() => void refresh(), POLL_MS);

  if (loadError) {
    return (
      <div class="alert alert-error" role="alert">
        <strong>{loadError.title}</strong> {loadError.detail}{" "}
        <button type="button" class="button-quiet" onClick={onBack}>
          {t("web.messages.back")}
        </button>
      </div>
    );
  }
  if (!state || !messages) return <Loading />;
  const memberIds = new Set(state.members.map((m) => m.userId));
  const candidates = context.summary.participants.filter(
    (p) => p.status === "active" && !memberIds.has(p.userId),
  );
  const former = new Set(state.members.filter((m) => m.former).map((m) => m.userId));
  const writable = !state.readOnly && context.summary.status === "open";
  return (
    <div class="stack" data-testid="thread">
      <p>
        <button type="button" class="button-quiet" onClick={onBack} data-testid="thread-back">
          {t("web.messages.back")}
        </button>
      </p>
      <h3>{state.subject ?? t("web.messages.noSubject")}</h3>
      <p class="meta" data-testid="thread-members">
        {t("web.messages.members")}: {state.members.map((m) => name(m.userId, m.former)).join(", ")}
      </p>
      {!writable && <p class="hint">{t("web.messages.readOnly")}</p>}
      {older && (
        <button
          type="button"
          class="button-quiet"
          disabled={busy}
          onClick={() =>
            void run(async () => {
              const page = await fetchPage<MessageView>(`${url}/messages`, "messages", older);
              setMessages((shown) => [...page.items, ...(shown ?? [])].sort(byId));
              setOlder(page.continuation);
            })
          }
        >
          {t("web.messages.older")}
        </button>
      )}
      {messages.length === 0 ? (
        <p>{t("web.messages.noMessages")}</p>
      ) : (
        <ol class="item-list messages" aria-live="polite" data-testid="message-list">
          {messages.map((m) => (
            <Message
              key={m.id}
              message={m}
              author={name(m.senderId, former.has(m.senderId))}
              url={url}
              caseId={caseId}
              onChanged={() => void refresh(true)}
            />
          ))}
        </ol>
      )}
      <FormError error={error} fields={["userId"]} />
      {writable && <Compose url={url} caseId={caseId} onSent={() => void refresh(true)} />}
      {writable && (
        <div class="card stack">
          {candidates.length > 0 && (
            <form
              class="stack"
              onSubmit={(event) => {
                event.preventDefault();
                if (!adding) return;
                void run(async () => {
                  await api.post(`${url}/members`, { userId: adding });
                  setAdding("");
                  await refresh(true);
                });
              }}
            >
              <Select
                label={t("web.messages.addMember")}
                name="userId"
                value={adding}
                onValue={setAdding}
                options={[
                  ["", t("web.messages.choose")],
                  ...candidates.map((p): [string, string] => [p.userId, `${p.name} (${roleName(p.role)})`]),
                ]}
                error={error}
              />
              <button type="submit" class="button-quiet" disabled={busy || !adding}>
                {t("web.messages.add")}
              </button>
            </form>
          )}
          <p class="hint">{t("web.messages.addHint")}</p>
          <div class="actions">
            <button
              type="button"
              class="button-quiet danger"
              disabled={busy}
              data-testid="thread-leave"
              onClick={() =>
                confirmed(t("web.messages.leaveConfirm")) &&
                void run(async () => {
                  await api.delete(`${url}/members/me`);
                  onBack();
                })
              }
            >
              {t("web.messages.leave")}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

function markRead(list: ThreadList, threadId: string): ThreadList {
  const read = list.threads.find((thread) => thread.id === threadId)?.unread ?? 0;
  return {
    ...list,
    threads: list.threads.map((thread) => (thread.id === threadId ? { ...thread, unread: 0 } : thread)),
    unreadTotal: Math.max(0, list.unreadTotal - read),
  };
}

export function MessagesTab(context: CaseContext) {
  const caseId = context.summary.caseId;
  const base = `/api/cases/${caseId}/threads`;
  const name = useNames(context);
  const [list, setList] = useState<ThreadList | null>(null);
  const [more, setMore] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const etag = useRef<string | null>(null);
  const { busy, run } = useAction();

  const refresh = useCallback(
    async (force = false) => {
      try {
        const answer = await poll<ThreadList>(base, force ? null : etag.current);
        if (answer === null) return;
        etag.current = answer.etag;
        setList(answer.data);
        refreshUnread(); // the global badge counts the new-message notices too
        setMore(answer.data.continuation);
        setLoadError(null);
      } catch (caught) {
        if (caught instanceof ApiError) setLoadError(caught);
      }
    },
    [base],
  );
  useEffect(() => {
    etag.current = null;
    void refresh(true);
  }, [refresh]);
  useVisiblePolling(() => {
    if (open === null) void refresh();
  }, POLL_MS);

  if (open !== null) {
    return (
      <Thread
        context={context}
        threadId={open}
        onBack={() => {
          // What was just read is read: no stale "unread" while the list is fetched again.
          setList((shown) => shown && markRead(shown, open));
          setOpen(null);
          void refresh(true);
        }}
      />
    );
  }
  const writable = context.summary.status === "open";
  return (
    <div class="stack" data-testid="messages">
      <h2>
        {t("web.messages.title")}{" "}
        {list && list.unreadTotal > 0 && (
          <span class="badge" data-testid="messages-unread">
            {t("web.messages.unread", { count: list.unreadTotal })}
          </span>
        )}
      </h2>
      <p class="hint">{t("web.messages.intro")}</p>
      {loadError && (
        <div class="alert alert-error" role="alert">
          <strong>{loadError.title}</strong> {loadError.detail}
        </div>
      )}
      {!list && !loadError && <Loading />}
      {list &&
        (list.threads.length === 0 ? (
          <p>{t("web.messages.empty")}</p>
        ) : (
          <ul class="item-list" data-testid="thread-list">
            {list.threads.map((thread) => (
              <li key={thread.id} class="card" data-testid="thread-item">
                <button
                  type="button"
                  class="button-quiet item-title"
                  onClick={() => setOpen(thread.id)}
                  data-testid="thread-open"
                >
                  {thread.subject ?? t("web.messages.noSubject")}
                </button>
                {thread.unread > 0 && (
                  <span class="badge" data-testid="thread-unread">
                    {t("web.messages.unread", { count: thread.unread })}
                  </span>
                )}
                <p class="meta">
                  <span>{thread.members.map((m) => name(m.userId, m.former)).join(", ")}</span>
                  {thread.lastAt && <span>{formatDateTime(thread.lastAt)}</span>}
                </p>
              </li>
            ))}
          </ul>
        ))}
      {more && (
        <button
          type="button"
          class="button-quiet"
          disabled={busy}
          onClick={() =>
            void run(async () => {
              const page = await fetchPage<ThreadView>(base, "threads", more);
              setList((shown) => (shown ? { ...shown, threads: [...shown.threads, ...page.items] } : shown));
              setMore(page.continuation);
            })
          }
        >
          {t("web.common.loadMore")}
        </button>
      )}
      {writable && !starting && (
        <div class="actions">
          <button type="button" class="button" onClick={() => setStarting(true)} data-testid="thread-new">
            {t("web.messages.newThread")}
          </button>
        </div>
      )}
      {writable && starting && (
        <NewThread
          context={context}
          onCancel={() => setStarting(false)}
          onStarted={(id) => {
            setStarting(false);
            setOpen(id);
          }}
        />
      )}
    </div>
  );
}
