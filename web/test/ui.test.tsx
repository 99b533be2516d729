import { fireEvent, render, screen } from "@testing-library/preact";
import { useState } from "preact/hooks";
import { describe, expect, it } from "vitest";
import { Field, FormError, fieldError, Notice } from "../src/components/ui";
import { ApiError } from "../src/lib/api";
import { setLanguage, t } from "../src/lib/i18n";

const invalidTitle = new ApiError(400, "invalid_input", "Invalid input", "Check the fields.", "title", [
  { field: "title", code: "too_long", detail: "At most 200 characters." },
]);

function Controlled({ error }: { error?: ApiError | null }) {
  const [value, setValue] = useState("");
  return (
    <>
      <Field label="Title" name="title" value={value} onValue={setValue} error={error} hint="A short name" />
      <output data-testid="echo">{value}</output>
    </>
  );
}

describe("Field", () => {
  it("labels its input and reports what is typed", () => {
    render(<Controlled />);
    const input = screen.getByLabelText("Title");
    fireEvent.input(input, { target: { value: "Plan" } });
    expect(screen.getByTestId("echo").textContent).toBe("Plan");
    expect(input.getAttribute("aria-invalid")).toBeNull();
  });

  it("shows the field's own problem, linked to the input for screen readers", () => {
    render(<Controlled error={invalidTitle} />);
    const input = screen.getByLabelText("Title");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    const described = (input.getAttribute("aria-describedby") ?? "").split(" ");
    const texts = described.map((id) => document.getElementById(id)?.textContent);
    expect(texts).toEqual(["A short name", "At most 200 characters."]);
  });

  it("drops the problem once the value is changed, and shows the next answer's problem again", () => {
    const { rerender } = render(<Controlled error={invalidTitle} />);
    const input = screen.getByLabelText("Title");
    fireEvent.input(input, { target: { value: "Shorter" } });
    expect(input.getAttribute("aria-invalid")).toBeNull();
    expect(screen.queryByText("At most 200 characters.")).toBeNull();
    const again = new ApiError(400, "invalid_input", "Invalid input", "Check the fields.", "title", [
      { field: "title", code: "too_long", detail: "At most 200 characters." },
    ]);
    rerender(<Controlled error={again} />);
    expect(screen.getByLabelText("Title").getAttribute("aria-invalid")).toBe("true");
  });
});

describe("fieldError", () => {
  it("finds a field's detail and nothing for another field", () => {
    expect(fieldError(invalidTitle, "title")).toBe("At most 200 characters.");
    expect(fieldError(invalidTitle, "body")).toBeUndefined();
    expect(fieldError(null, "title")).toBeUndefined();
  });
});

describe("FormError", () => {
  it("shows an error that belongs to no field as an alert with its title and detail", () => {
    const conflict = new ApiError(409, "conflict", "Changed meanwhile", "Reload and try again.");
    render(<FormError error={conflict} fields={["title"]} />);
    expect(screen.getByRole("alert").textContent).toBe("Changed meanwhile Reload and try again.");
  });

  it("only points to the fields when every problem belongs to one of them", () => {
    render(<FormError error={invalidTitle} fields={["title"]} />);
    expect(screen.getByRole("alert").textContent).toBe(t("web.form.checkFields"));
  });

  it("renders nothing without an error", () => {
    const { container } = render(<FormError error={null} />);
    expect(container.innerHTML).toBe("");
  });
});

describe("Notice", () => {
  it("is a polite status of its kind", () => {
    render(<Notice kind="success">Saved</Notice>);
    const status = screen.getByRole("status");
    expect(status.className).toBe("alert alert-success");
    expect(status.textContent).toBe("Saved");
  });
});

describe("t", () => {
  it("answers in the chosen language from the shared catalogs", () => {
    const english = t("web.common.loading");
    setLanguage("de");
    expect(t("web.common.loading")).not.toBe(english);
    expect(t("web.no.such.key")).toBe("web.no.such.key");
  });
});
