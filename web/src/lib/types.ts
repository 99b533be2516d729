// The shapes the API answers with, as far as the app reads them. Where the generated types
// (api-types.ts, from the OpenAPI document) say the same, they are used: a changed route then
// breaks the web build (docs/decisions/035).
import type * as Api from "./api-types";

export type CaseRef = Api.MyCase;

export type Participant = Api.CaseParticipant;

export type CaseSummary = Api.CaseSummary;

export type Stage = Api.PlanStage;

export type PlanChange = Api.PlanChange;

export type Category = "job_description" | "target_agreement" | "medical_certificate" | "other";
export const CATEGORIES: Category[] = ["job_description", "target_agreement", "medical_certificate", "other"];

/** Someone one of my items is shared with now (lists answer these for my own items). */
export type ShareState = Api.ShareState;

export type DocumentView = Api.DocumentView & { sharedWith?: ShareState[] | null };

export type DocumentVersion = Api.DocumentVersion;

export type NoteView = Api.NoteView & { sharedWith?: ShareState[] | null };

export type AccessEntry = Api.AccessEntry;

export type NotificationView = Api.NotificationView;

// --- reflections and the dashboard (issue 15; docs: helpers' API contract) -------------------

/** The six scales, in their fixed order; ``pain`` and ``stress`` up = worse. */
export const SCALES = ["wellbeing", "energy", "pain", "stress", "sleep", "workload"] as const;
export type ScaleName = (typeof SCALES)[number];
export const HIGHER_IS_WORSE: ReadonlySet<ScaleName> = new Set(["pain", "stress"]);

/** The guided prompts and the free note, with their length limits (characters). */
export const PROMPTS = ["wentWell", "limits", "needs", "note"] as const;
export type PromptName = (typeof PROMPTS)[number];
export const PROMPT_LIMITS: Record<PromptName, number> = {
  wentWell: 2000,
  limits: 2000,
  needs: 2000,
  note: 4000,
};

export type Reflection = Api.EntryView;

export type ReflectionList = Api.ReflectionList;

/** One scale over the period: ``values[i]`` is the value of ``dates[i]`` (columns, not a
 * point object per day: three years are ~6,600 values). */
export type ScaleSeries = Api.ScaleView;

export type PlanSpan = Api.PlanSpan;

export type Dashboard = Api.DashboardView;

// -- evaluations and feedback (issue 16) --------------------------------------------------------

export const FEEDBACK_SCALES = ["attendance", "workloadFit", "collaboration"] as const;
export type FeedbackScaleName = (typeof FEEDBACK_SCALES)[number];

export type FeedbackScaleSeries = Api.FeedbackScaleView;

export type CapacitySpan = Api.CapacitySpan;

/** What an evaluation says (one version of it). */
export type EvaluationContent = Omit<Api.EvaluationVersion, "version" | "at">;

/** An evaluation as listed; the detail adds its earlier versions. */
export type Evaluation = Api.EvaluationView & { history?: Api.EvaluationVersion[] };

/** What a feedback entry says (one version of it). */
export type FeedbackContent = Omit<Api.FeedbackVersion, "version" | "at">;

export type Feedback = Api.FeedbackView & { history?: Api.FeedbackVersion[] };
