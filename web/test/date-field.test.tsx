import { act, fireEvent, render, screen } from "@testing-library/preact";
import { useState } from "preact/hooks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DateField, dayError, formatDay, isIsoDay, localToday, parseDay } from "../src/components/date-field";
import { CreateReport } from "../src/components/report-form";
import { setLanguage, t } from "../src/lib/i18n";

// The catalogs may arrive asynchronously (one chunk per language): each test waits for its language.
beforeEach(async () => {
  await setLanguage("en");
});

describe("parseDay", () => {
  it("reads the day first, as Switzerland writes it, with any of . / - and short years", () => {
    expect(parseDay("1.2.26")).toBe("2026-02-01");
    expect(parseDay("01.02.2026")).toBe("2026-02-01");
    expect(parseDay(" 31/12/2026 ")).toBe("2026-12-31");
    expect(parseDay("2026-02-01")).toBe("2026-02-01");
  });

  it("refuses what is no day of the calendar", () => {
    for (const wrong of ["31.02.2026", "2026-13-01", "12/31/2026", "tomorrow", "1.2", ""]) {
      expect(parseDay(wrong)).toBeNull();
    }
    expect(isIsoDay("2026-02-29")).toBe(false);
    expect(isIsoDay("2028-02-29")).toBe(true);
  });
});

describe("formatDay", () => {
  it("writes the day as the app's language does, whatever the browser's locale", () => {
    expect(formatDay("2026-02-01", "de")).toBe("01.02.2026");
    expect(formatDay("2026-02-01", "en")).toBe("01/02/2026");
  });

  it("knows today in the browser's time zone as an ISO day", () => {
    expect(localToday(new Date(2026, 10, 30, 23, 59))).toBe("2026-11-30");
    expect(localToday(new Date(2027, 0, 1, 0, 0))).toBe("2027-01-01");
  });
});

describe("dayError", () => {
  it("lets an empty optional day and a day within the bounds pass", () => {
    expect(dayError("until", "")).toBeNull();
    expect(dayError("until", "2026-11-30", { min: "2026-11-30", max: "2026-12-31" })).toBeNull();
  });

  it("names the field, in the app's language, for a missing, impossible or out-of-bounds day", async () => {
    await setLanguage("de");
    expect(dayError("from", "", { required: true })?.field).toBe("from");
    expect(dayError("from", "", { required: true })?.detail).toBe(t("web.form.required"));
    const impossible = dayError("from", "31.02.2026");
    expect(impossible?.field).toBe("from");
    expect(impossible?.detail).toBe(t("web.dateField.invalid"));
    expect(impossible?.detail).toContain("30.11.2026");
    expect(dayError("from", "2026-12-01", { max: "2026-11-30" })?.detail).toBe(
      t("web.dateField.tooLate", { date: "30.11.2026" }),
    );
    expect(dayError("to", "2026-10-01", { min: "2026-11-16" })?.detail).toBe(
      t("web.dateField.tooEarly", { date: "16.11.2026" }),
    );
  });
});

/** A form with one day field, as the app's forms hold it: the value in the parent's state. */
function Form(props: {
  start?: string;
  min?: string;
  max?: string;
  required?: boolean;
  onSend: (day: string) => void;
}) {
  const [day, setDay] = useState(props.start ?? "");
  return (
    <form
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        if (!dayError("day", day, props)) props.onSend(day);
      }}
    >
      <DateField
        label="Day"
        name="day"
        hint="Leave empty for none"
        value={day}
        min={props.min}
        max={props.max}
        required={props.required}
        onValue={setDay}
      />
      <output data-testid="echo">{day}</output>
      <button type="submit">Send</button>
    </form>
  );
}

const described = (input: HTMLElement) =>
  (input.getAttribute("aria-describedby") ?? "")
    .split(" ")
    .map((id) => document.getElementById(id)?.textContent);

describe("DateField", () => {
  it("shows the ISO value in German order and reports what is typed as an ISO day", async () => {
    await setLanguage("de");
    const onValue = vi.fn();
    render(<DateField label="Von" name="since" value="2026-11-30" onValue={onValue} />);
    const input = screen.getByLabelText("Von") as HTMLInputElement;
    expect(input.value).toBe("30.11.2026");
    expect(input.placeholder).toBe("TT.MM.JJJJ");
    fireEvent.input(input, { target: { value: "1.12.26" } });
    expect(onValue).toHaveBeenLastCalledWith("2026-12-01");
  });

  it("shows English days as dd/mm/yyyy, and rewrites the day when the language changes", async () => {
    render(<Form start="2026-02-01" onSend={() => {}} />);
    const input = screen.getByLabelText("Day") as HTMLInputElement;
    expect(input.value).toBe("01/02/2026");
    expect(input.placeholder).toBe("DD/MM/YYYY");
    await act(async () => {
      await setLanguage("de");
    });
    expect(input.value).toBe("01.02.2026");
  });

  it("leaves the text as typed while the person types, and tidies it when the field is left", async () => {
    await setLanguage("de");
    render(<Form onSend={() => {}} />);
    const input = screen.getByLabelText("Day") as HTMLInputElement;
    fireEvent.input(input, { target: { value: "1.2.20" } }); // already a day (2020), but not finished
    expect(screen.getByTestId("echo").textContent).toBe("2020-02-01");
    expect(input.value).toBe("1.2.20");
    fireEvent.input(input, { target: { value: "1.2.2026" } });
    expect(input.value).toBe("1.2.2026");
    expect(screen.getByTestId("echo").textContent).toBe("2026-02-01");
    fireEvent.blur(input);
    expect(input.value).toBe("01.02.2026");
  });

  it("says at the field, once left, that a text is no date, linked for screen readers", () => {
    const onValue = vi.fn();
    render(<DateField label="From" name="since" value="" onValue={onValue} />);
    const input = screen.getByLabelText("From");
    fireEvent.input(input, { target: { value: "31.02.2026" } });
    expect(onValue).toHaveBeenLastCalledWith("31.02.2026");
    expect(input.getAttribute("aria-invalid")).toBeNull(); // not while typing
    fireEvent.blur(input);
    expect(screen.getByText(t("web.dateField.invalid"))).toBeTruthy();
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(described(input)).toEqual([t("web.dateField.format"), t("web.dateField.invalid")]);
  });

  it("describes its format and its own hint, and marks a required field", () => {
    render(<Form required onSend={() => {}} />);
    const input = screen.getByLabelText("Day");
    expect(described(input)).toEqual([t("web.dateField.format"), "Leave empty for none"]);
    expect(input.getAttribute("aria-required")).toBe("true");
    expect(input.getAttribute("type")).toBe("text");
    // The calendar button is named for its field; the native picker is out of reach of keyboard and screen readers.
    expect(screen.getByRole("button", { name: `${t("web.dateField.calendar")} Day` })).toBeTruthy();
    const native = document.querySelector("input[type=date]") as HTMLInputElement;
    expect(native.tabIndex).toBe(-1);
    expect(native.getAttribute("aria-hidden")).toBe("true");
    expect(native.name).toBe("");
  });

  it("refuses an impossible day on sending (Enter, field never left): the error shows and nothing is sent", async () => {
    await setLanguage("de");
    const onSend = vi.fn();
    render(<Form onSend={onSend} />);
    const input = screen.getByLabelText("Day");
    fireEvent.input(input, { target: { value: "31.02.2026" } });
    fireEvent.submit(input.closest("form") as HTMLFormElement);
    expect(onSend).not.toHaveBeenCalled();
    expect(screen.getByText(t("web.dateField.invalid"))).toBeTruthy();
    expect(t("web.dateField.invalid")).toContain("Tag.Monat.Jahr");
    fireEvent.input(input, { target: { value: "28.02.2026" } });
    fireEvent.submit(input.closest("form") as HTMLFormElement);
    expect(onSend).toHaveBeenLastCalledWith("2026-02-28");
    expect(screen.queryByText(t("web.dateField.invalid"))).toBeNull();
  });

  it("keeps to min and max: the calendar is limited and a day outside is refused at the field", () => {
    const onSend = vi.fn();
    render(<Form min="2026-11-16" max="2026-11-30" onSend={onSend} />);
    const input = screen.getByLabelText("Day");
    const native = document.querySelector("input[type=date]") as HTMLInputElement;
    expect([native.min, native.max]).toEqual(["2026-11-16", "2026-11-30"]);
    fireEvent.input(input, { target: { value: "1.12.2026" } });
    fireEvent.blur(input);
    expect(screen.getByText(t("web.dateField.tooLate", { date: "30/11/2026" }))).toBeTruthy();
    fireEvent.submit(input.closest("form") as HTMLFormElement);
    expect(onSend).not.toHaveBeenCalled();
  });

  it("takes a day chosen in the browser's calendar, written in the app's order", async () => {
    await setLanguage("de");
    render(<Form onSend={() => {}} />);
    const native = document.querySelector("input[type=date]") as HTMLInputElement;
    fireEvent.change(native, { target: { value: "2026-03-09" } });
    expect(screen.getByTestId("echo").textContent).toBe("2026-03-09");
    expect((screen.getByLabelText("Day") as HTMLInputElement).value).toBe("09.03.2026");
  });

  it("empties with a reset from the form", () => {
    function Resettable() {
      const [day, setDay] = useState("2026-11-30");
      return (
        <>
          <DateField label="Day" name="day" value={day} onValue={setDay} />
          <button type="button" onClick={() => setDay("")}>
            Reset
          </button>
        </>
      );
    }
    render(<Resettable />);
    const input = screen.getByLabelText("Day") as HTMLInputElement;
    fireEvent.input(input, { target: { value: "1.12.26" } });
    fireEvent.click(screen.getByText("Reset"));
    expect(input.value).toBe("");
  });
});

/** The browser's XMLHttpRequest, recording what would be sent (the report form downloads with it). */
class RecordingRequest {
  static sent: { method: string; path: string; body: string }[] = [];
  responseType = "";
  private method = "";
  private path = "";
  open(method: string, path: string) {
    this.method = method;
    this.path = path;
  }
  setRequestHeader() {}
  addEventListener() {}
  send(body: string) {
    RecordingRequest.sent.push({ method: this.method, path: this.path, body });
  }
}

describe("the report form's period", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    RecordingRequest.sent = [];
  });

  it("is typed the Swiss way, refused at its field when impossible, and sent as ISO days", async () => {
    vi.stubGlobal("XMLHttpRequest", RecordingRequest);
    await setLanguage("de");
    render(<CreateReport caseId="c1" today="2026-11-30" />);
    fireEvent.click(screen.getByTestId("report-open"));
    const from = screen.getByLabelText(t("web.reports.from")) as HTMLInputElement;
    const to = screen.getByLabelText(t("web.reports.to")) as HTMLInputElement;
    expect([from.value, to.value]).toEqual(["02.09.2026", "30.11.2026"]);
    fireEvent.input(from, { target: { value: "31.02.2026" } });
    fireEvent.click(screen.getByTestId("report-submit"));
    expect(RecordingRequest.sent).toEqual([]);
    expect(from.getAttribute("aria-invalid")).toBe("true");
    expect(described(from)).toContain(t("web.dateField.invalid"));

    fireEvent.input(from, { target: { value: "1.12.26" } }); // after today
    fireEvent.click(screen.getByTestId("report-submit"));
    expect(RecordingRequest.sent).toEqual([]);
    expect(described(from)).toContain(t("web.dateField.tooLate", { date: "30.11.2026" }));

    fireEvent.input(from, { target: { value: "1.11.26" } });
    fireEvent.click(screen.getByTestId("report-submit"));
    expect(RecordingRequest.sent).toHaveLength(1);
    expect(RecordingRequest.sent[0].path).toBe("/api/cases/c1/reports");
    expect(JSON.parse(RecordingRequest.sent[0].body)).toMatchObject({ from: "2026-11-01", to: "2026-11-30" });
  });
});
