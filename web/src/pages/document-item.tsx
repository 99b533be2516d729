// One document in the list, with the owner's actions.
import { SharingState } from "../components/sharing-state";
import { useState } from "preact/hooks";
import { categoryName } from "../components/labels";
import { DocumentFields, FileField, fileError } from "../components/upload";
import { FormError, PagedLoaded, confirmed, useAction } from "../components/ui";
import { api, upload } from "../lib/api";
import { formatBytes, formatDateTime, t } from "../lib/i18n";
import { usePagedList } from "../lib/paging";
import type { Category, DocumentVersion, DocumentView } from "../lib/types";

function Versions({ url, onChanged }: { url: string; onChanged: () => void }) {
  const versions = usePagedList<DocumentVersion>(`${url}/versions`, "versions");
  const { busy, error, run } = useAction();
  return (
    <div class="versions">
      <FormError error={error} />
      <PagedLoaded list={versions} label={t("web.documents.versions")}>
        {(list) => (
          <ol>
            {list.map((v) => (
              <li key={v.version}>
                <a href={`${url}/versions/${v.version}/content`} download>
                  {t("web.documents.versionLabel", { version: v.version })}
                </a>{" "}
                <span class="muted">
                  {v.fileName} · {formatBytes(v.size)} · {formatDateTime(v.createdAt)}
                </span>
                {v.current ? (
                  <span class="tag">{t("web.documents.current")}</span>
                ) : (
                  <button
                    type="button"
                    class="button-quiet danger"
                    disabled={busy}
                    onClick={() =>
                      confirmed(t("web.documents.deleteVersionConfirm", { version: v.version })) &&
                      void run(async () => {
                        await api.delete(`${url}/versions/${v.version}`);
                        versions.reload();
                        onChanged();
                      })
                    }
                  >
                    {t("web.common.delete")}
                    <span class="visually-hidden">
                      {" "}
                      {t("web.documents.versionLabel", { version: v.version })}
                    </span>
                  </button>
                )}
              </li>
            ))}
          </ol>
        )}
      </PagedLoaded>
    </div>
  );
}

type Mode = "view" | "rename" | "replace" | "versions";

export function DocumentItem(props: {
  base: string;
  doc: DocumentView;
  owner: string;
  names?: Map<string, string>;
  editable: boolean;
  onChanged: () => void;
  onShare: () => void;
}) {
  const { doc } = props;
  const url = `${props.base}/${doc.id}`;
  const [mode, setMode] = useState<Mode>("view");
  const [title, setTitle] = useState(doc.title);
  const [category, setCategory] = useState<Category>(doc.category);
  const [progress, setProgress] = useState<number | null>(null);
  const [replacement, setReplacement] = useState<number | undefined>(undefined);
  const { busy, error, run } = useAction();
  const toggle = (next: Mode) => setMode(mode === next ? "view" : next);
  // After any change (or a 412: someone changed it meanwhile) the list reloads with fresh ETags.
  const change = (action: () => Promise<unknown>, after: Mode = "view") =>
    void run(async () => {
      try {
        await action();
        setMode(after);
      } finally {
        props.onChanged();
      }
    });
  const replace = (file: File | null) => {
    if (!file) return;
    setReplacement(file.size);
    const form = new FormData();
    form.append("file", file, file.name);
    setProgress(0);
    change(() =>
      upload("POST", `${url}/versions`, form, { ifMatch: doc.etag, onProgress: setProgress }).finally(() =>
        setProgress(null),
      ),
    );
  };
  return (
    <li class="card document" data-testid="document">
      <div class="item-head">
        <h3 class="item-title">{doc.title}</h3>
        <span class="tag">{categoryName(doc.category)}</span>
      </div>
      <p class="meta">
        <span>{doc.fileName}</span>
        <span>{formatBytes(doc.size)}</span>
        <span>{t("web.documents.versionLabel", { version: doc.version })}</span>
        <span>{t("web.documents.updated", { date: formatDateTime(doc.updatedAt) })}</span>
        <span>{t("web.documents.by", { name: props.owner })}</span>
      </p>
      <SharingState shares={doc.sharedWith} names={props.names ?? new Map()} />
      <FormError
        error={mode === "replace" && fileError(error) ? null : error}
        fields={["title", "category"]}
      />
      <div class="actions">
        <a class="button-quiet" href={`${url}/content`} download>
          {t("web.documents.download")}
          <span class="visually-hidden"> {doc.title}</span>
        </a>
        {doc.mine && (
          <>
            <button type="button" class="button-quiet" onClick={props.onShare} data-testid="share-button">
              {t("web.sharing.open")}
              <span class="visually-hidden"> {doc.title}</span>
            </button>
            <button
              type="button"
              class="button-quiet"
              aria-expanded={mode === "versions"}
              onClick={() => toggle("versions")}
            >
              {t("web.documents.versions")}
            </button>
            {props.editable && (
              <>
                <button
                  type="button"
                  class="button-quiet"
                  aria-expanded={mode === "rename"}
                  onClick={() => toggle("rename")}
                >
                  {t("web.documents.rename")}
                </button>
                <button
                  type="button"
                  class="button-quiet"
                  aria-expanded={mode === "replace"}
                  onClick={() => toggle("replace")}
                >
                  {t("web.documents.replace")}
                </button>
                <button
                  type="button"
                  class="button-quiet danger"
                  disabled={busy}
                  onClick={() =>
                    confirmed(t("web.documents.deleteConfirm", { title: doc.title })) &&
                    change(() => api.delete(url, { ifMatch: doc.etag }))
                  }
                >
                  {t("web.common.delete")}
                  <span class="visually-hidden"> {doc.title}</span>
                </button>
              </>
            )}
          </>
        )}
      </div>
      {mode === "rename" && (
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            change(() => api.patch(url, { title: title.trim(), category }, { ifMatch: doc.etag }));
          }}
        >
          <DocumentFields
            title={title}
            category={category}
            onTitle={setTitle}
            onCategory={setCategory}
            error={error}
          />
          <div class="actions">
            <button type="submit" class="button" disabled={busy}>
              {t("web.common.save")}
            </button>
          </div>
        </form>
      )}
      {mode === "replace" && (
        <FileField
          label={t("web.documents.newVersion")}
          error={error}
          progress={progress}
          fileSize={replacement}
          onFile={replace}
        />
      )}
      {mode === "versions" && <Versions url={url} onChanged={props.onChanged} />}
    </li>
  );
}
