// Small building blocks every page uses: labelled fields with their error next to them, the
// page title (focused after navigation, for screen readers), links, notices and data loading.
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useId, useRef, useState } from "preact/hooks";
import { ApiError } from "../lib/api";
import { formatNumber, t } from "../lib/i18n";
import type { PagedList } from "../lib/paging";
import { onLinkClick } from "../lib/router";

interface LinkProps {
  href: string;
  children: ComponentChildren;
  class?: string;
  "aria-current"?: "page";
  "data-testid"?: string;
  onClick?: (event: MouseEvent) => void;
}

export function Link({ onClick, ...props }: LinkProps) {
  return (
    <a
      {...props}
      onClick={(event: MouseEvent) => {
        onClick?.(event);
        onLinkClick(event);
      }}
    />
  );
}

/** The page's h1. When a page appears it takes the focus (unless the user is typing), so
 * keyboard and screen-reader users start reading at the new page. */
export function PageTitle({ children }: { children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    const active = document.activeElement;
    if (active && ["INPUT", "TEXTAREA", "SELECT"].includes(active.tagName)) return;
    ref.current?.focus({ preventScroll: true });
    document.title = `${ref.current?.textContent ?? ""} · CaseDesk`;
  }, []);
  return (
    <h1 tabIndex={-1} id="page-title" ref={ref}>
      {children}
    </h1>
  );
}

/** The error of ``name`` when the API named that field (``employee.email`` also fits ``email``
 * inside an employee form), else undefined. The API lists every invalid field with its own text. */
export function fieldError(error: ApiError | null, name: string): string | undefined {
  const fits = (field: string | null | undefined): field is string =>
    !!field && (field === name || field.endsWith(`.${name}`));
  const entry = error?.errors.find((e) => fits(e.field));
  if (entry) return entry.detail;
  return error && fits(error.field) ? error.detail : undefined;
}

/** The field's error until the person changes the field: a corrected value no longer carries
 * the message of the value it replaced (the next submit answers anew). */
function useFieldError(error: ApiError | null | undefined, name: string): [string | undefined, () => void] {
  const [editedAfter, setEditedAfter] = useState<ApiError | null>(null);
  const current = error ?? null;
  const message = current && current !== editedAfter ? fieldError(current, name) : undefined;
  return [message, () => setEditedAfter(current)];
}

/** A locally found mistake, shaped like the API's so the same code shows it. */
export function requiredError(field: string): ApiError {
  return new ApiError(0, "required", t("web.form.requiredTitle"), t("web.form.required"), field);
}

interface FieldProps {
  label: string;
  name: string;
  value: string;
  onValue: (value: string) => void;
  error?: ApiError | null;
  hint?: string;
  /** No "date": a day is asked for with the app's own DateField (components/date-field.tsx, issue 25). */
  type?: "text" | "email" | "password" | "number";
  autoComplete?: string;
  inputMode?: "numeric" | "text" | "email";
  multiline?: boolean;
  min?: string | number;
  max?: string | number;
}

export function Field(props: FieldProps) {
  const id = useId();
  const [message, edited] = useFieldError(props.error, props.name);
  const onInput = (value: string) => {
    edited();
    props.onValue(value);
  };
  const described = [props.hint ? `${id}-hint` : "", message ? `${id}-error` : ""].filter(Boolean).join(" ");
  const common = {
    id,
    name: props.name,
    value: props.value,
    "aria-invalid": message ? true : undefined,
    "aria-describedby": described || undefined,
  };
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      {props.hint && (
        <p class="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      )}
      {props.multiline ? (
        <textarea {...common} rows={5} onInput={(e) => onInput(e.currentTarget.value)} />
      ) : (
        <input
          {...common}
          // Preact's types tie other attributes to each input type; these four share the same ones.
          type={(props.type ?? "text") as "text"}
          autoComplete={props.autoComplete}
          inputMode={props.inputMode}
          min={props.min}
          max={props.max}
          onInput={(e) => onInput(e.currentTarget.value)}
        />
      )}
      {message && (
        <p class="field-error" id={`${id}-error`}>
          {message}
        </p>
      )}
    </div>
  );
}

interface SelectProps {
  label: string;
  name: string;
  value: string;
  options: [string, string][];
  onValue: (value: string) => void;
  error?: ApiError | null;
}

export function Select(props: SelectProps) {
  const id = useId();
  const [message, edited] = useFieldError(props.error, props.name);
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select
        id={id}
        name={props.name}
        value={props.value}
        aria-invalid={message ? true : undefined}
        aria-describedby={message ? `${id}-error` : undefined}
        onChange={(e) => {
          edited();
          props.onValue(e.currentTarget.value);
        }}
      >
        {props.options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
      {message && (
        <p class="field-error" id={`${id}-error`}>
          {message}
        </p>
      )}
    </div>
  );
}

export function Checkbox(props: {
  label: ComponentChildren;
  name: string;
  checked: boolean;
  onChecked: (checked: boolean) => void;
  error?: ApiError | null;
}) {
  const id = useId();
  const message = fieldError(props.error ?? null, props.name);
  return (
    <div class="field field-check">
      <input
        type="checkbox"
        id={id}
        name={props.name}
        checked={props.checked}
        aria-invalid={message ? true : undefined}
        aria-describedby={message ? `${id}-error` : undefined}
        onChange={(e) => props.onChecked(e.currentTarget.checked)}
      />
      <label for={id}>{props.label}</label>
      {message && (
        <p class="field-error" id={`${id}-error`}>
          {message}
        </p>
      )}
    </div>
  );
}

/** An error that belongs to no field of ``fields`` (or to none at all), shown above the form. */
export function FormError({ error, fields = [] }: { error: ApiError | null; fields?: string[] }) {
  const ref = useRef<HTMLDivElement>(null);
  const own = error && !fields.some((name) => fieldError(error, name));
  useEffect(() => {
    if (own) ref.current?.focus();
  }, [error, own]);
  if (!error) return null;
  if (!own) {
    return (
      <p class="form-hint-error" role="alert">
        {t("web.form.checkFields")}
      </p>
    );
  }
  return (
    <div class="alert alert-error" role="alert" tabIndex={-1} ref={ref}>
      <strong>{error.title}</strong> {error.detail}
    </div>
  );
}

export function Notice({
  kind = "info",
  children,
}: {
  kind?: "info" | "success" | "warning";
  children: ComponentChildren;
}) {
  return (
    <div class={`alert alert-${kind}`} role="status">
      {children}
    </div>
  );
}

export function Loading() {
  return (
    <p class="loading" role="status">
      {t("web.common.loading")}
    </p>
  );
}

/** Run an API call from a button or form: tracks busy state and keeps the error to show. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = useCallback(async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (caught) {
      if (caught instanceof ApiError) setError(caught);
      else throw caught;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}

/** Load data for a page; ``reload`` fetches again (after a change or a 412). */
export function useResource<T>(load: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let live = true;
    setError(null);
    load().then(
      (value) => live && setData(value),
      (caught: unknown) => {
        if (!live) return;
        if (caught instanceof ApiError) setError(caught);
        else throw caught;
      },
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { data, error, reload, setData };
}

/** Shows the load error of a page, or the loading line, or the page. */
export function Loaded<T>({
  data,
  error,
  children,
}: {
  data: T | undefined;
  error: ApiError | null;
  children: (data: T) => ComponentChildren;
}) {
  if (error) {
    return (
      <div class="alert alert-error" role="alert">
        <strong>{error.title}</strong> {error.detail}
      </div>
    );
  }
  if (data === undefined) return <Loading />;
  return <>{children(data)}</>;
}

/** Shows the first page's error, or the loading line, or the list with its "show more" below. */
export function PagedLoaded<T>({
  list,
  label,
  children,
}: {
  list: PagedList<T>;
  label: string;
  children: (items: T[]) => ComponentChildren;
}) {
  return (
    <Loaded data={list.items} error={list.error}>
      {(items) => (
        <>
          {children(items)}
          <LoadMore list={list} label={label} />
        </>
      )}
    </Loaded>
  );
}

/** "Show more" under a paged list (lib/paging.ts): busy while the next page loads, named after
 * its list for screen readers, and a polite live region that says how many items came in. When
 * the last page is in, the button goes; if it had the focus, the line saying so takes it. */
export function LoadMore<T>({ list, label }: { list: PagedList<T>; label: string }) {
  const endRef = useRef<HTMLParagraphElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const hadFocus = useRef(false);
  const count = list.items?.length ?? 0;
  useEffect(() => {
    if (!list.hasMore && hadFocus.current) endRef.current?.focus();
    hadFocus.current = false;
  }, [list.hasMore, count]);
  const announcement =
    list.added === null ? "" : t("web.paging.moreShown", { count: formatNumber(list.added) });
  return (
    <div class="load-more" data-testid="load-more">
      {/* Here, where the user asked for more, not at the top of a long list. */}
      {list.restarted && <Notice kind="warning">{t("web.paging.restarted")}</Notice>}
      {list.moreError && (
        <p class="alert alert-error" role="alert">
          <strong>{list.moreError.title}</strong> {list.moreError.detail}
        </p>
      )}
      {list.hasMore && (
        <button
          type="button"
          class="button-quiet"
          ref={buttonRef}
          aria-label={t("web.paging.moreLabel", { list: label })}
          aria-busy={list.loadingMore}
          aria-disabled={list.loadingMore}
          onClick={() => {
            if (list.loadingMore) return;
            hadFocus.current = document.activeElement === buttonRef.current;
            void list.loadMore();
          }}
        >
          {t("web.common.loadMore")}
        </button>
      )}
      {list.loadingMore && <span class="loading">{t("web.common.loading")}</span>}
      {!list.hasMore && list.pages > 1 && (
        <p class="muted" tabIndex={-1} ref={endRef}>
          {t("web.paging.allShown", { count: formatNumber(count) })}
        </p>
      )}
      <p class="visually-hidden" role="status" aria-live="polite">
        {announcement}
      </p>
    </div>
  );
}

/** A modal dialog on the native <dialog> element: focus is kept inside and Escape closes it. */
export function Dialog({
  title,
  onClose,
  children,
}: {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog ref={ref} class="dialog" aria-labelledby={titleId} onClose={onClose}>
      <div class="dialog-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" class="button-quiet" onClick={onClose}>
          {t("web.common.close")}
        </button>
      </div>
      {children}
    </dialog>
  );
}

/** Ask before something that cannot be undone (the browser's own dialog: keyboard-friendly). */
export function confirmed(question: string): boolean {
  return window.confirm(question);
}
