// Notes of a case: private to their author until shared. Lists carry titles only; the text is
// fetched when a note is opened (so each read of someone else's note is audited for its author).
// The author edits (with the note's ETag), deletes and shares; shared notes are read-only.
import { SharingState } from "../components/sharing-state";
import { useState } from "preact/hooks";
import { ShareDialog, type Shareable } from "../components/share-dialog";
import { Field, FormError, Notice, PagedLoaded, confirmed, requiredError, useAction } from "../components/ui";
import { ApiError, api } from "../lib/api";
import { formatDateTime, t } from "../lib/i18n";
import { usePagedList } from "../lib/paging";
import type { NoteView, Participant } from "../lib/types";
import type { CaseContext } from "./case";

async function readNote(url: string, id: string): Promise<NoteView> {
  const { data, etag } = await api.get<NoteView>(`${url}/${id}`);
  return { ...data, etag: etag ?? data.etag };
}

function NoteForm(props: {
  url: string;
  note?: NoteView;
  onSaved: () => void;
  onCancel?: () => void;
  onStale?: () => void;
}) {
  const { url, note, onSaved, onCancel } = props;
  const [title, setTitle] = useState(note?.title ?? "");
  const [body, setBody] = useState(note?.body ?? "");
  const { busy, error, setError, run } = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    if (!title.trim()) return setError(requiredError("title"));
    if (!body.trim()) return setError(requiredError("body"));
    void run(async () => {
      try {
        if (note) await api.patch(`${url}/${note.id}`, { title: title.trim(), body }, { ifMatch: note.etag });
        else await api.post(url, { title: title.trim(), body });
      } catch (caught) {
        // After a 412 the note is read again: this form keeps the text typed here and gets the
        // note's new ETag, so the user sees the message, can compare, and save again.
        if (caught instanceof ApiError && caught.status === 412) props.onStale?.();
        throw caught;
      }
      if (!note) {
        setTitle("");
        setBody("");
      }
      onSaved();
    });
  };
  return (
    <form onSubmit={submit} noValidate class="card" data-testid="note-form">
      <h3>{note ? t("web.notes.editTitle") : t("web.notes.newTitle")}</h3>
      {!note && <p class="hint">{t("web.notes.privateHint")}</p>}
      <FormError error={error} fields={["title", "body"]} />
      <Field label={t("web.notes.titleLabel")} name="title" value={title} onValue={setTitle} error={error} />
      <Field label={t("web.notes.body")} name="body" multiline value={body} onValue={setBody} error={error} />
      <div class="actions">
        <button type="submit" class="button" disabled={busy}>
          {t("web.common.save")}
        </button>
        {onCancel && (
          <button type="button" class="button-quiet" onClick={onCancel}>
            {t("web.common.cancel")}
          </button>
        )}
      </div>
    </form>
  );
}

function NoteItem(props: {
  url: string;
  note: NoteView;
  author: string;
  names: Map<string, string>;
  editable: boolean;
  onChanged: () => void;
  onSaved: () => void;
  onShare: () => void;
}) {
  const { url, note } = props;
  const [full, setFull] = useState<NoteView | null>(null);
  const [editing, setEditing] = useState(false);
  const { busy, error, run } = useAction();
  const open = (edit: boolean) =>
    void run(async () => {
      setFull(await readNote(url, note.id));
      setEditing(edit);
    });
  if (editing && full) {
    return (
      <li>
        <NoteForm
          key={full.etag}
          url={url}
          note={full}
          onStale={() => open(true)}
          onCancel={() => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            setFull(null);
            props.onSaved();
          }}
        />
      </li>
    );
  }
  return (
    <li class="card" data-testid="note">
      <h3 class="item-title">{note.title}</h3>
      <p class="meta">
        <span>{t("web.documents.by", { name: props.author })}</span>
        <span>{t("web.documents.updated", { date: formatDateTime(note.updatedAt) })}</span>
      </p>
      <SharingState shares={note.sharedWith} names={props.names} />
      <FormError error={error} />
      {full && (
        <p class="pre" data-testid="note-body">
          {full.body}
        </p>
      )}
      <div class="actions">
        <button
          type="button"
          class="button-quiet"
          aria-expanded={full !== null}
          disabled={busy}
          onClick={() => (full ? setFull(null) : open(false))}
          data-testid="note-read"
        >
          {full ? t("web.notes.hide") : t("web.notes.read")}
          <span class="visually-hidden"> {note.title}</span>
        </button>
        {note.mine && (
          <>
            <button type="button" class="button-quiet" onClick={props.onShare} data-testid="share-button">
              {t("web.sharing.open")}
              <span class="visually-hidden"> {note.title}</span>
            </button>
            {props.editable && (
              <>
                <button type="button" class="button-quiet" disabled={busy} onClick={() => open(true)}>
                  {t("web.common.edit")}
                  <span class="visually-hidden"> {note.title}</span>
                </button>
                <button
                  type="button"
                  class="button-quiet danger"
                  disabled={busy}
                  onClick={() =>
                    confirmed(t("web.notes.deleteConfirm", { title: note.title })) &&
                    void run(async () => {
                      try {
                        await api.delete(`${url}/${note.id}`, { ifMatch: note.etag });
                      } finally {
                        props.onChanged();
                      }
                    })
                  }
                >
                  {t("web.common.delete")}
                  <span class="visually-hidden"> {note.title}</span>
                </button>
              </>
            )}
          </>
        )}
      </div>
    </li>
  );
}

export function NotesTab({ summary }: CaseContext) {
  const url = `/api/cases/${summary.caseId}/notes`;
  const notes = usePagedList<NoteView>(url, "notes");
  const [sharing, setSharing] = useState<{ item: Shareable; ownerId: string } | null>(null);
  const names = new Map(summary.participants.map((p) => [p.userId, p.name]));
  const open = summary.status === "open";
  const others = (ownerId: string): Participant[] => summary.participants.filter((p) => p.userId !== ownerId);
  const [savedNotice, setSavedNotice] = useState(false);
  const saved = () => {
    setSavedNotice(true); // say so: the form empties (or closes) and nothing else tells
    notes.reload();
  };
  return (
    <div class="stack">
      <h2>{t("web.notes.title")}</h2>
      {/* The form above the list: the list arrives later and must not push it down (issue 24.8). */}
      {open && <NoteForm url={url} onSaved={saved} />}
      <div aria-live="polite">{savedNotice && <Notice kind="success">{t("web.notes.saved")}</Notice>}</div>
      <PagedLoaded list={notes} label={t("web.notes.title")}>
        {(list) =>
          list.length === 0 ? (
            <p>{t("web.notes.empty")}</p>
          ) : (
            <ul class="item-list" data-testid="note-list">
              {list.map((note) => (
                <NoteItem
                  key={note.id}
                  url={url}
                  note={note}
                  author={
                    note.mine ? t("web.common.you") : (names.get(note.ownerId) ?? t("web.common.someone"))
                  }
                  names={names}
                  editable={open}
                  onChanged={notes.reload}
                  onSaved={saved}
                  onShare={() =>
                    setSharing({
                      item: { kind: "notes", id: note.id, title: note.title },
                      ownerId: note.ownerId,
                    })
                  }
                />
              ))}
            </ul>
          )
        }
      </PagedLoaded>
      {sharing && (
        <ShareDialog
          caseId={summary.caseId}
          item={sharing.item}
          participants={others(sharing.ownerId)}
          onClose={() => {
            setSharing(null);
            notes.reload(); // the cards say with whom each is shared now
          }}
        />
      )}
    </div>
  );
}
