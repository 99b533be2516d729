import { fireEvent, render, screen } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import { DateField, formatDay, isIsoDay, parseDay } from "../src/components/date-field";
import { setLanguage, t } from "../src/lib/i18n";

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
});

describe("DateField", () => {
  it("shows the ISO value in German order and reports what is typed as an ISO day", () => {
    setLanguage("de");
    const onValue = vi.fn();
    render(<DateField label="Von" name="since" value="2026-11-30" onValue={onValue} />);
    const input = screen.getByLabelText("Von") as HTMLInputElement;
    expect(input.value).toBe("30.11.2026");
    fireEvent.input(input, { target: { value: "1.12.26" } });
    expect(onValue).toHaveBeenLastCalledWith("2026-12-01");
  });

  it("says at the field, once left, that a text is no date", () => {
    const onValue = vi.fn();
    render(<DateField label="From" name="since" value="" onValue={onValue} />);
    const input = screen.getByLabelText("From");
    fireEvent.input(input, { target: { value: "31.02.2026" } });
    expect(onValue).toHaveBeenLastCalledWith("31.02.2026");
    fireEvent.blur(input);
    expect(screen.getByText(t("web.dateField.invalid"))).toBeTruthy();
    expect(input.getAttribute("aria-invalid")).toBe("true");
  });
});
