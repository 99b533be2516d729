// The app's own date field (issue 25): a native <input type="date"> shows and reads dates in the
// *browser's* locale (mm/dd/yyyy on an American Chrome), whatever language the app speaks. This
// field follows the app's language — dd.mm.yyyy in German (de-CH), dd/mm/yyyy in English (en-CH)
// — accepts what people type (1.2.26, 01.02.2026, 2026-02-01), and still offers the browser's
// calendar through a button. Its value is the ISO day ("2026-02-01"), or the text as typed while
// it is no date. A form checks its days with ``dayError`` before sending: a day typed wrong or
// outside min/max is refused at its field and nothing is sent (docs/decisions/041).
import { useEffect, useId, useRef, useState } from "preact/hooks";
import { fieldError, requiredError } from "./ui";
import { ApiError } from "../lib/api";
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

/** Today in the browser's time zone, as an ISO day (for a field without a server's "today"). */
export function localToday(now: Date = new Date()): string {
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

interface Bounds {
  /** The earliest day allowed (ISO), if any. */
  min?: string;
  /** The latest day allowed (ISO), if any. */
  max?: string;
}

/** What is wrong with a field's value (not a day, before min, after max), in the app's language;
 * undefined when it is a day within the bounds or empty. */
export function dayMessage(value: string, bounds: Bounds = {}): string | undefined {
  if (value.trim() === "") return undefined;
  if (!isIsoDay(value)) return t("web.dateField.invalid");
  const lang = language.get();
  if (bounds.min && value < bounds.min)
    return t("web.dateField.tooEarly", { date: formatDay(bounds.min, lang) });
  if (bounds.max && value > bounds.max)
    return t("web.dateField.tooLate", { date: formatDay(bounds.max, lang) });
  return undefined;
}

/** The mistake of a date field before anything is sent, shaped like the API's so the field shows
 * it (and the form's summary points at it), or null when the value may be sent. */
export function dayError(
  name: string,
  value: string,
  bounds: Bounds & { required?: boolean } = {},
): ApiError | null {
  if (value.trim() === "") return bounds.required ? requiredError(name) : null;
  const message = dayMessage(value, bounds);
  return message ? new ApiError(0, "invalid_date", t("web.dateField.invalidTitle"), message, name) : null;
}

interface DateFieldProps extends Bounds {
  label: string;
  name: string;
  /** An ISO day, "" for none, or the text as typed while it is no date. */
  value: string;
  onValue: (value: string) => void;
  error?: ApiError | null;
  /** More about the field, under the format hint. */
  hint?: string;
  required?: boolean;
  /** Ids of more text that describes the field (e.g. the chosen day in words). */
  describedBy?: string;
  testId?: string;
}

export function DateField(props: DateFieldProps) {
  const lang = useStore(language);
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const [text, setText] = useState(() =>
    isIsoDay(props.value) ? formatDay(props.value, lang) : props.value,
  );
  const [left, setLeft] = useState(false); // judged once the person leaves the field or sends the form
  // What this field last reported: when the form hands it back as the value, the text stays as
  // typed ("1.2.26" is not rewritten under the cursor); it is tidied when the field is left.
  const reported = useRef<string | null>(null);
  const shownIn = useRef(lang);
  useEffect(() => {
    const switched = shownIn.current !== lang;
    shownIn.current = lang;
    if (props.value === reported.current && !switched) return;
    reported.current = null;
    // A value set from outside (a reset, the calendar, another day chosen) or a language switch
    // rewrites the text; a text that is no day stays as typed.
    if (isIsoDay(props.value)) setText(formatDay(props.value, lang));
    else if (props.value === "") setText("");
  }, [props.value, lang]);
  useEffect(() => {
    // Sending the form judges the field even if the person never left it (Enter in the field).
    const form = input.current?.form;
    if (!form) return;
    const judge = () => setLeft(true);
    form.addEventListener("submit", judge);
    return () => form.removeEventListener("submit", judge);
  }, []);
  const typed = text.trim() === "" ? "" : (parseDay(text) ?? text);
  const ownMessage = left ? dayMessage(typed, props) : undefined;
  const message = ownMessage ?? fieldError(props.error ?? null, props.name);
  const described = [
    `${id}-hint`,
    props.hint ? `${id}-more` : "",
    props.describedBy ?? "",
    message ? `${id}-error` : "",
  ]
    .filter(Boolean)
    .join(" ");
  const change = (typedText: string) => {
    setText(typedText);
    const value = typedText.trim() === "" ? "" : (parseDay(typedText) ?? typedText);
    reported.current = value;
    props.onValue(value);
  };
  return (
    <div class="field date-field">
      <label for={id}>{props.label}</label>
      <p class="hint" id={`${id}-hint`}>
        {t("web.dateField.format")}
      </p>
      {props.hint && (
        <p class="hint" id={`${id}-more`}>
          {props.hint}
        </p>
      )}
      <div class="date-field-row">
        <input
          ref={input}
          id={id}
          name={props.name}
          type="text"
          inputMode="numeric"
          autoComplete="off"
          spellcheck={false}
          placeholder={t("web.dateField.placeholder")}
          value={text}
          aria-required={props.required ? true : undefined}
          aria-invalid={message ? true : undefined}
          aria-describedby={described}
          data-testid={props.testId}
          data-min={props.min}
          data-max={props.max}
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
            if (!native) return;
            try {
              native.showPicker();
            } catch {
              input.current?.focus(); // no picker in this browser: the day is typed
            }
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
          min={props.min}
          max={props.max}
          value={isIsoDay(typed) ? typed : ""}
          onChange={(e) => {
            const day = e.currentTarget.value;
            setLeft(true);
            change(isIsoDay(day) ? formatDay(day, lang) : "");
            input.current?.focus();
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
