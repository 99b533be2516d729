// A file chooser with a progress bar, and the rejection of a file (type, size, name) shown
// next to it with the API's localised message; a document's title and category fields.
import { useId, useState } from "preact/hooks";
import { categoryName } from "./labels";
import { Field, Select } from "./ui";
import type { ApiError } from "../lib/api";
import { formatBytes, formatPercent, t } from "../lib/i18n";
import { CATEGORIES, type Category } from "../lib/types";

/** The API names the file part ``file`` or its name ``fileName``; a too-large body names no
 * field at all but is still about the file. Its text counts the limit in bytes of the whole
 * request, so the app names the file's own size instead, in the user's units. */
export function fileError(error: ApiError | null, fileSize?: number): string | undefined {
  if (!error) return undefined;
  if (error.code === "payload_too_large") {
    return fileSize ? t("web.documents.tooLarge", { size: formatBytes(fileSize) }) : error.detail;
  }
  if (error.field === "file" || error.field === "fileName") return error.detail;
  return undefined;
}

interface FileFieldProps {
  label: string;
  error: ApiError | null;
  progress: number | null;
  fileSize?: number;
  onFile: (file: File | null) => void;
}

export function FileField({ label, error, progress, fileSize, onFile }: FileFieldProps) {
  const id = useId();
  const message = fileError(error, fileSize);
  // The browser's own chooser speaks the browser's language ("Choose File" on a German page):
  // the input stays (keyboard, screen readers) but out of sight, and a button
  // and the chosen name in the app's language stand in for it.
  const [chosen, setChosen] = useState<string | null>(null);
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <p class="hint" id={`${id}-hint`}>
        {t("web.documents.allowed")}
      </p>
      <div class="file-choice">
        <input
          id={id}
          class="visually-hidden"
          type="file"
          name="file"
          accept=".pdf,.png,.jpg,.jpeg,.docx,.xlsx,.txt"
          aria-invalid={message ? true : undefined}
          aria-describedby={`${id}-hint ${id}-chosen${message ? ` ${id}-error` : ""}`}
          onChange={(e) => {
            const file = e.currentTarget.files?.[0] ?? null;
            setChosen(file?.name ?? null);
            onFile(file);
          }}
        />
        <label for={id} class="button-quiet" aria-hidden="true">
          {t("web.documents.chooseFile")}
        </label>
        <span id={`${id}-chosen`} class={chosen ? "file-name" : "muted"} data-testid="file-chosen">
          {chosen ?? t("web.documents.noFile")}
        </span>
      </div>
      {message && (
        <p class="field-error" id={`${id}-error`} data-testid="file-error">
          {message}
        </p>
      )}
      {progress !== null && (
        <div class="progress" data-testid="upload-progress">
          <label for={`${id}-progress`}>
            {t("web.documents.uploading", { percent: formatPercent(progress * 100) })}
          </label>
          <progress id={`${id}-progress`} max={1} value={progress} />
        </div>
      )}
    </div>
  );
}

interface DocumentFieldsProps {
  title: string;
  category: Category;
  onTitle: (title: string) => void;
  onCategory: (category: Category) => void;
  error: ApiError | null;
}

/** A document's title and category: on upload and when renaming, the same two fields. */
export function DocumentFields({ title, category, onTitle, onCategory, error }: DocumentFieldsProps) {
  return (
    <>
      <Field
        label={t("web.documents.titleLabel")}
        name="title"
        value={title}
        onValue={onTitle}
        error={error}
      />
      <Select
        label={t("web.documents.category")}
        name="category"
        value={category}
        onValue={(value) => onCategory(value as Category)}
        options={CATEGORIES.map((c) => [c, categoryName(c)])}
        error={error}
      />
    </>
  );
}
