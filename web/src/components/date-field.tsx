// The app's own date field (issue 25): a native <input type="date"> shows and reads dates in the
// *browser's* locale (mm/dd/yyyy on an American Chrome), whatever language the app speaks. This
// field follows the app's language — dd.mm.yyyy in German (de-CH), dd/mm/yyyy in English (en-CH)
// — accepts what people type (1.2.26, 01.02.2026, 2026-02-01), and still offers the browser's
// calendar through a button. Its value is the ISO day ("2026-02-01"), or the text as typed while
// it is no date (the form then refuses it at the field: isIsoDay).
import { useEffect, useId, useRef, useState } from "preact/hooks";
import { fieldError } from "./ui";
import type { ApiError } from "../lib/api";
import { type Language, language, t } from "../lib/i18n";
import { useStore } from "../lib/store";

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isIsoDay(value: string): boolean {
  const match = ISO_DAY.exec(value);
  return match !== null && realDay(Number(match[1]), Number(match[2]), Number(match[3]));
}

function realDay(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** What a person typed, as an ISO day, or null: day first (Swiss order) in both languages. */
export function parseDay(text: string): string | null {
  const typed = text.trim();
  if (isIsoDay(typed)) return typed;
  const match = /^(\d{1,2})\s*[./-]\s*(\d{1,2})\s*[./-]\s*(\d{2}|\d{4})$/.exec(typed);
  if (!match) return null;
  const day = Number(match[1]);
  const month = Number(match[2]);
  const year = match[3].length === 2 ? 2000 + Number(match[3]) : Number(match[3]);
  return realDay(year, month, day) ? `${year}-${pad(month)}-${pad(day)}` : null;
}

/** An ISO day as the app's language writes it in a field: 01.02.2026 (de), 01/02/2026 (en). */
export function formatDay(iso: string, lang: Language): string {
  const match = ISO_DAY.exec(iso);
  if (!match) return iso;
  return lang === "de" ? `${match[3]}.${match[2]}.${match[1]}` : `${match[3]}/${match[2]}/${match[1]}`;
}

interface DateFieldProps {
  label: string;
  name: string;
  /** An ISO day, "" for none, or the text as typed while it is no date. */
  value: string;
  onValue: (value: string) => void;
  error?: ApiError | null;
}

export function DateField(props: DateFieldProps) {
  const lang = useStore(language);
  const id = useId();
  const picker = useRef<HTMLInputElement>(null);
  const [text, setText] = useState(() => (isIsoDay(props.value) ? formatDay(props.value, lang) : props.value));
  const [left, setLeft] = useState(false); // judged once the person leaves the field
  useEffect(() => {
    // A value set from outside (a reset, the calendar) or a language switch rewrites the text.
    if (isIsoDay(props.value)) setText(formatDay(props.value, lang));
    else if (props.value === "") setText("");
  }, [props.value, lang]);
  const typedWrong = left && text.trim() !== "" && parseDay(text) === null;
  const message = typedWrong ? t("web.dateField.invalid") : fieldError(props.error ?? null, props.name);
  const described = [`${id}-hint`, message ? `${id}-error` : ""].filter(Boolean).join(" ");
  const change = (typed: string) => {
    setText(typed);
    props.onValue(typed.trim() === "" ? "" : (parseDay(typed) ?? typed));
  };
  return (
    <div class="field date-field">
      <label for={id}>{props.label}</label>
      <p class="hint" id={`${id}-hint`}>
        {t("web.dateField.format")}
      </p>
      <div class="date-field-row">
        <input
          id={id}
          name={props.name}
          type="text"
          inputMode="numeric"
          autoComplete="off"
          placeholder={lang === "de" ? "TT.MM.JJJJ" : "DD/MM/YYYY"}
          value={text}
          aria-invalid={message ? true : undefined}
          aria-describedby={described}
          onInput={(e) => change(e.currentTarget.value)}
          onBlur={() => {
            setLeft(true);
            const day = parseDay(text);
            if (day) setText(formatDay(day, lang));
          }}
        />
        <button
          type="button"
          class="button-quiet"
          onClick={() => {
            // The browser's own calendar, from a native field kept out of sight and out of the tab order.
            const native = picker.current;
            if (native && typeof native.showPicker === "function") native.showPicker();
            else native?.focus();
          }}
        >
          {t("web.dateField.calendar")}
          <span class="visually-hidden"> {props.label}</span>
        </button>
        <input
          ref={picker}
          type="date"
          class="date-field-native"
          tabIndex={-1}
          aria-hidden="true"
          value={isIsoDay(props.value) ? props.value : ""}
          onChange={(e) => {
            const day = e.currentTarget.value;
            setLeft(true);
            change(isIsoDay(day) ? formatDay(day, lang) : "");
          }}
        />
      </div>
      {message && (
        <p class="field-error" id={`${id}-error`}>
          {message}
        </p>
      )}
    </div>
  );
}
