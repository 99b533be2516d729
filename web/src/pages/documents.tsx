// Documents of a case: upload (with progress), the list of mine and those shared with me,
// download, and for my own: rename, replace with a new version, older versions, share, delete.
import { useState } from "preact/hooks";
import { ShareDialog, type Shareable } from "../components/share-dialog";
import { DocumentFields, FileField, fileError } from "../components/upload";
import { FormError, Notice, PagedLoaded, requiredError, useAction } from "../components/ui";
import { upload } from "../lib/api";
import { t } from "../lib/i18n";
import { usePagedList } from "../lib/paging";
import type { Category, DocumentView } from "../lib/types";
import type { CaseContext } from "./case";
import { DocumentItem } from "./document-item";

function UploadForm({ base, onUploaded }: { base: string; onUploaded: (doc: DocumentView) => void }) {
  const [title, setTitle] = useState("");
  const [category, setCategory] = useState<Category>("other");
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [formKey, setFormKey] = useState(0);
  const { busy, error, setError, run } = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    if (!file) return setError(requiredError("file"));
    if (!title.trim()) return setError(requiredError("title"));
    void run(async () => {
      const form = new FormData();
      form.append("title", title.trim());
      form.append("category", category);
      form.append("file", file, file.name);
      setProgress(0);
      try {
        const { data } = await upload<DocumentView>("POST", base, form, { onProgress: setProgress });
        setTitle("");
        setFile(null);
        setFormKey((k) => k + 1); // a fresh file input: the chosen file is gone after upload
        onUploaded(data);
      } finally {
        setProgress(null);
      }
    });
  };
  const local = fileError(error) ? null : error;
  return (
    <form key={formKey} onSubmit={submit} noValidate class="card" data-testid="upload-form">
      <h3>{t("web.documents.uploadTitle")}</h3>
      <p class="hint">{t("web.documents.privateHint")}</p>
      <FormError error={local} fields={["title", "category"]} />
      {fileError(error) && (
        <p class="form-hint-error" role="alert">
          {t("web.documents.rejected")}
        </p>
      )}
      <FileField
        label={t("web.documents.file")}
        error={error}
        progress={progress}
        fileSize={file?.size}
        onFile={(f) => {
          setFile(f);
          if (f && !title) setTitle(f.name.replace(/\.[^.]+$/, ""));
        }}
      />
      <DocumentFields
        title={title}
        category={category}
        onTitle={setTitle}
        onCategory={setCategory}
        error={error}
      />
      <div class="actions">
        <button type="submit" class="button" disabled={busy}>
          {t("web.documents.upload")}
        </button>
      </div>
    </form>
  );
}

export function DocumentsTab({ summary, myRole }: CaseContext) {
  const base = `/api/cases/${summary.caseId}/documents`;
  const docs = usePagedList<DocumentView>(base, "documents");
  const [sharing, setSharing] = useState<Shareable | null>(null);
  const [uploaded, setUploaded] = useState<string | null>(null);
  const names = new Map(summary.participants.map((p) => [p.userId, p.name]));
  const open = summary.status === "open";
  return (
    <div class="stack">
      <h2>{t("web.documents.title")}</h2>
      {/* The upload form above the list: the list arrives later and must not push it down
          (issue 24.8); the confirmation sits between them, where the new document appears. */}
      {open && myRole && (
        <UploadForm
          base={base}
          onUploaded={(doc) => {
            setUploaded(doc.title);
            docs.reload();
          }}
        />
      )}
      {uploaded && <Notice kind="success">{t("web.documents.uploaded", { title: uploaded })}</Notice>}
      <PagedLoaded list={docs} label={t("web.documents.title")}>
        {(list) =>
          list.length === 0 ? (
            <p>{t("web.documents.empty")}</p>
          ) : (
            <ul class="item-list" data-testid="document-list">
              {list.map((doc) => (
                <DocumentItem
                  key={doc.id}
                  base={base}
                  doc={doc}
                  owner={doc.mine ? t("web.common.you") : (names.get(doc.ownerId) ?? t("web.common.someone"))}
                  names={names}
                  editable={open}
                  onChanged={docs.reload}
                  onShare={() => setSharing({ kind: "documents", id: doc.id, title: doc.title })}
                />
              ))}
            </ul>
          )
        }
      </PagedLoaded>
      {sharing && (
        <ShareDialog
          caseId={summary.caseId}
          item={sharing}
          participants={summary.participants.filter(
            (p) => p.userId !== docs.items?.find((d) => d.id === sharing.id)?.ownerId,
          )}
          onClose={() => {
            setSharing(null);
            docs.reload(); // the cards say with whom each is shared now
          }}
        />
      )}
    </div>
  );
}
