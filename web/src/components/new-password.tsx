// A new password typed twice: onboarding's first password and "change the password" ask for it
// the same way, and refuse a repeat that differs before anything is sent.
import { Field } from "./ui";
import { ApiError } from "../lib/api";
import { t } from "../lib/i18n";

export interface NewPasswordFieldsProps {
  /** The API's name of the field (its errors are shown there). */
  name: string;
  password: string;
  repeat: string;
  onPassword: (value: string) => void;
  onRepeat: (value: string) => void;
  error: ApiError | null;
}

export function NewPasswordFields({
  name,
  password,
  repeat,
  onPassword,
  onRepeat,
  error,
}: NewPasswordFieldsProps) {
  return (
    <>
      <Field
        label={t("web.password.new")}
        hint={t("web.password.hint")}
        name={name}
        type="password"
        autoComplete="new-password"
        value={password}
        onValue={onPassword}
        error={error}
      />
      <Field
        label={t("web.password.repeat")}
        name="repeat"
        type="password"
        autoComplete="new-password"
        value={repeat}
        onValue={onRepeat}
        error={error}
      />
    </>
  );
}

/** The error to show at the repeat field when it differs from the password, else null. */
export function mismatchError(password: string, repeat: string): ApiError | null {
  return password === repeat
    ? null
    : new ApiError(0, "mismatch", t("web.password.mismatchTitle"), t("web.password.mismatch"), "repeat");
}
