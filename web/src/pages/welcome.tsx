// The welcome (SPEC journey 2, issue 25): a short introduction to what CaseDesk offers, as an
// animated slide sequence (~70 s) rather than a video file — every word comes from the EN/DE
// catalogs, so the "captions" are the slides themselves, screen readers read them, and nothing
// needs re-recording when a text changes (docs/decisions/034). Shown once after onboarding,
// skippable, reopened from "Help" in the menu; it plays by itself (pausable, WCAG 2.2.2) unless
// the person prefers reduced motion. After it, once: optional feedback on the onboarding.
import { useEffect, useRef, useState } from "preact/hooks";
import { Field, FormError, Loaded, PageTitle, useAction, useResource } from "../components/ui";
import { api } from "../lib/api";
import { t } from "../lib/i18n";
import { navigate } from "../lib/router";

const SLIDES = ["intro", "private", "share", "plan", "access", "help"] as const;
/** Seconds per slide while playing: 6 slides × 12 s = 72 s, under the 90 s the issue allows. */
const SECONDS_PER_SLIDE = 12;

function prefersReducedMotion(): boolean {
  return (
    typeof window.matchMedia === "function" && window.matchMedia("(prefers-reduced-motion: reduce)").matches
  );
}

function Tour({ onDone }: { onDone: (finished: boolean) => void }) {
  const [index, setIndex] = useState(0);
  const [playing, setPlaying] = useState(() => !prefersReducedMotion());
  const [moved, setMoved] = useState(false); // moved by hand: announce the slide (not while playing)
  const stage = useRef<HTMLDivElement>(null);
  const last = index === SLIDES.length - 1;
  useEffect(() => {
    if (!playing || last) return;
    const timer = setTimeout(() => setIndex(index + 1), SECONDS_PER_SLIDE * 1000);
    return () => clearTimeout(timer);
  }, [playing, index, last]);
  useEffect(() => {
    if (last) setPlaying(false);
  }, [last]);
  const go = (next: number) => {
    setMoved(true);
    setIndex(Math.max(0, Math.min(SLIDES.length - 1, next)));
  };
  const slide = SLIDES[index];
  return (
    <section
      class="tour"
      aria-roledescription={t("web.welcome.tourRole")}
      aria-label={t("web.welcome.tourLabel")}
      data-testid="welcome-tour"
    >
      <div class="tour-stage" ref={stage} aria-live={moved && !playing ? "polite" : "off"}>
        <div key={slide} class={`tour-slide tour-${slide}`} data-testid="tour-slide" data-slide={slide}>
          <p class="tour-count">{t("web.welcome.slideOf", { n: index + 1, total: SLIDES.length })}</p>
          <h2>{slide === "intro" ? t("web.welcome.intro.title") : t(`web.welcome.${slide}.title`)}</h2>
          <p class="tour-text">
            {slide === "intro" ? t("web.welcome.lead") : t(`web.welcome.${slide}.text`)}
          </p>
        </div>
        <div class="tour-progress" aria-hidden="true">
          {SLIDES.map((s, i) => (
            <span key={s} class={i < index ? "done" : i === index ? `now${playing ? " playing" : ""}` : ""} />
          ))}
        </div>
      </div>
      <div class="actions tour-controls">
        <button
          type="button"
          class="button-quiet"
          onClick={() => go(index - 1)}
          disabled={index === 0}
          data-testid="tour-previous"
        >
          {t("web.welcome.previous")}
        </button>
        {!last && (
          <button
            type="button"
            class="button-quiet"
            aria-pressed={!playing}
            onClick={() => setPlaying(!playing)}
            data-testid="tour-pause"
          >
            {playing ? t("web.welcome.pause") : t("web.welcome.play")}
          </button>
        )}
        {!last && (
          <button type="button" class="button-quiet" onClick={() => go(index + 1)} data-testid="tour-next">
            {t("web.welcome.next")}
          </button>
        )}
        {last ? (
          <button type="button" class="button" onClick={() => onDone(true)} data-testid="tour-done">
            {t("web.welcome.start")}
          </button>
        ) : (
          <button type="button" class="button-quiet" onClick={() => onDone(false)} data-testid="tour-skip">
            {t("web.welcome.skip")}
          </button>
        )}
      </div>
    </section>
  );
}

const RATINGS = [1, 2, 3, 4, 5] as const;

function FeedbackForm({ onDone }: { onDone: () => void }) {
  const [rating, setRating] = useState<number | null>(null);
  const [comment, setComment] = useState("");
  const [sent, setSent] = useState(false);
  const { busy, error, run } = useAction();
  const send = (answer: { rating: number | null; comment: string | null }) =>
    void run(async () => {
      await api.post("/api/me/onboarding-feedback", answer);
      if (answer.rating !== null || answer.comment) setSent(true);
      else onDone();
    });
  if (sent) {
    return (
      <section class="card" data-testid="feedback-thanks">
        <h2>{t("web.feedback.thanks")}</h2>
        <div class="actions">
          <button type="button" class="button" onClick={onDone}>
            {t("web.welcome.toCases")}
          </button>
        </div>
      </section>
    );
  }
  return (
    <form
      class="card"
      data-testid="feedback-form"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        send({ rating, comment: comment.trim() || null });
      }}
    >
      <h2>{t("web.feedback.title")}</h2>
      <p>{t("web.feedback.intro")}</p>
      <FormError error={error} fields={["rating", "comment"]} />
      <fieldset class="rating">
        <legend>{t("web.feedback.ratingLabel")}</legend>
        <div class="rating-options">
          {RATINGS.map((value) => (
            <label key={value} class="scale-option">
              <input
                type="radio"
                name="rating"
                value={value}
                checked={rating === value}
                onChange={() => setRating(value)}
              />
              <span>{value}</span>
            </label>
          ))}
        </div>
        <p class="scale-ends">
          <span>{t("web.feedback.low")}</span>
          <span>{t("web.feedback.high")}</span>
        </p>
      </fieldset>
      <Field
        label={t("web.feedback.comment")}
        hint={t("web.feedback.commentHint")}
        name="comment"
        multiline
        value={comment}
        onValue={setComment}
        error={error}
      />
      <p class="hint">{t("web.feedback.privacy")}</p>
      <div class="actions">
        <button type="submit" class="button" disabled={busy || (rating === null && !comment.trim())}>
          {t("web.feedback.send")}
        </button>
        <button
          type="button"
          class="button-quiet"
          disabled={busy}
          onClick={() => send({ rating: null, comment: null })}
          data-testid="feedback-decline"
        >
          {t("web.feedback.decline")}
        </button>
      </div>
    </form>
  );
}

export function WelcomePage() {
  const profile = useResource(() => api.get<{ welcomeSeen: boolean; feedbackAsked: boolean }>("/api/me"), []);
  const [step, setStep] = useState<"tour" | "feedback">("tour");
  const { run } = useAction();
  const finish = () =>
    void run(async () => {
      if (!profile.data?.data.welcomeSeen) await api.post("/api/me/welcome-seen");
      if (profile.data && !profile.data.data.feedbackAsked) setStep("feedback");
      else navigate("/cases");
    });
  return (
    <section class="narrow welcome">
      <PageTitle>{t("web.welcome.title")}</PageTitle>
      <Loaded data={profile.data} error={profile.error}>
        {() =>
          step === "tour" ? <Tour onDone={finish} /> : <FeedbackForm onDone={() => navigate("/cases")} />
        }
      </Loaded>
    </section>
  );
}
