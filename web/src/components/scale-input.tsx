// One 0–10 scale as a group of native radio buttons styled as a row of buttons: the arrow keys
// move between them, a screen reader announces the group's name, the value and both ends of
// the scale ("0 = very poor", "10 = very good"; the wording turns round for pain and stress).
import { useId } from "preact/hooks";
import type { ApiError } from "../lib/api";
import { t } from "../lib/i18n";
import { fieldError } from "./ui";

const VALUES = Array.from({ length: 11 }, (_, n) => n);

export function ScaleInput(props: {
  name: string;
  label: string;
  low: string;
  high: string;
  value: number | null;
  onValue: (value: number | null) => void;
  error?: ApiError | null;
}) {
  const id = useId();
  const message = fieldError(props.error ?? null, props.name);
  return (
    <fieldset class="scale" data-testid={`scale-${props.name}`} aria-invalid={message ? true : undefined}>
      <legend>{props.label}</legend>
      <div class="scale-options">
        {VALUES.map((n) => (
          <label key={n} class="scale-option">
            <input
              type="radio"
              name={`scale-${props.name}`}
              value={String(n)}
              checked={props.value === n}
              aria-describedby={n === 0 ? `${id}-low` : n === 10 ? `${id}-high` : undefined}
              onChange={() => props.onValue(n)}
            />
            <span>{n}</span>
          </label>
        ))}
      </div>
      <p class="scale-ends">
        <span id={`${id}-low`}>{props.low}</span>
        <span id={`${id}-high`}>{props.high}</span>
      </p>
      {props.value !== null && (
        <button type="button" class="button-quiet button-small" onClick={() => props.onValue(null)}>
          {t("web.reflections.clearScale")}
          <span class="visually-hidden"> {props.label}</span>
        </button>
      )}
      {message && <p class="field-error">{message}</p>}
    </fieldset>
  );
}
