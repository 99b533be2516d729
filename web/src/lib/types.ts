// The shapes the API answers with, as far as the app reads them. Where the generated types
// (api-types.ts, from the OpenAPI document) say the same, they are used: a changed route then
// breaks the web build (docs/decisions/035).
import type * as Api from "./api-types";

export type CaseRef = Api.MyCase;

export type Participant = Api.CaseParticipant;

export interface CaseSummary {
  caseId: string;
  orgId: string;
  status: "open" | "closed";
  createdAt: string;
  closedAt: string | null;
  legalHold: boolean;
  participants: Participant[];
}

export type Stage = Api.PlanStage;

export type PlanChange = Api.PlanChange;

export type Category = "job_description" | "target_agreement" | "medical_certificate" | "other";
export const CATEGORIES: Category[] = ["job_description", "target_agreement", "medical_certificate", "other"];

/** Someone one of my items is shared with now (lists answer these for my own items). */
export type ShareState = Api.ShareState;

export type DocumentView = Api.DocumentView & { sharedWith?: ShareState[] | null };

export type DocumentVersion = Api.DocumentVersion;

export type NoteView = Api.NoteView & { sharedWith?: ShareState[] | null };

export interface AccessEntry {
  userId: string;
  name: string;
  role: string;
  /** ``subject``: the employee's access to a record about them, which the owner cannot end. */
  access: "owner" | "shared" | "subject";
  expiresAt: string | null;
  since: string | null;
  /** Reflection-series grants only: visible from this day on (null: all entries). */
  fromDate?: string | null;
  /** Reflection-series grants only: the free-text answers are included. */
  includeText?: boolean;
}

export type NotificationView = Api.NotificationView;

// --- reflections and the dashboard (issue 15; docs: helpers' API contract) -------------------

/** The six scales, in their fixed order; ``pain`` and ``stress`` up = worse. */
export const SCALES = ["wellbeing", "energy", "pain", "stress", "sleep", "workload"] as const;
export type ScaleName = (typeof SCALES)[number];
export const HIGHER_IS_WORSE: ReadonlySet<ScaleName> = new Set(["pain", "stress"]);

/** The guided prompts and the free note, with their length limits (characters). */
export const PROMPTS = ["wentWell", "limits", "needs", "note"] as const;
export type PromptName = (typeof PROMPTS)[number];
export const PROMPT_LIMITS: Record<PromptName, number> = { wentWell: 2000, limits: 2000, needs: 2000, note: 4000 };

export type Reflection = Api.EntryView;

export type ReflectionList = Api.ReflectionList;

export type TrendStatus = "improving" | "worsening" | "stable" | "not_enough_data";

export interface ScaleSeries {
  scale: ScaleName;
  polarity: "higher_is_better" | "higher_is_worse";
  points: { date: string; value: number }[];
  weekly: { week: string; start: string; mean: number; count: number }[];
  monthly: { month: string; mean: number; count: number }[];
  trend: { status: TrendStatus; slopePer30Days: number | null; points: number };
}

export type PlanSpan = Api.PlanSpan;

export interface Dashboard {
  from: string;
  to: string;
  visibleFrom: string | null;
  includesText: boolean;
  scales: ScaleSeries[];
  plan: PlanSpan[];
  /** Work capacity over time from the evaluations this viewer may see (issue 16). */
  capacity: CapacitySpan[];
  evaluations: Evaluation[];
  feedback: Feedback[];
  feedbackScales: FeedbackScaleSeries[];
}

// -- evaluations and feedback (issue 16) --------------------------------------------------------

export const FEEDBACK_SCALES = ["attendance", "workloadFit", "collaboration"] as const;
export type FeedbackScaleName = (typeof FEEDBACK_SCALES)[number];

export interface FeedbackScaleSeries extends Omit<ScaleSeries, "scale"> {
  scale: FeedbackScaleName;
}

export type CapacitySpan = Api.CapacitySpan;

interface RecordBase {
  id: string;
  caseId: string;
  ownerId: string;
  ownerRole: string | null;
  subjectId: string | null;
  mine: boolean;
  createdAt: string;
  updatedAt: string;
  etag: string;
  version: number;
  corrected: boolean;
  correctedAt: string | null;
}

export interface EvaluationContent {
  capacityPercent: number;
  validFrom: string;
  validTo: string | null;
  restrictions: string | null;
  recommendations: string | null;
  nextReview: string | null;
}

export interface Evaluation extends RecordBase, EvaluationContent {
  history?: (EvaluationContent & { version: number; at: string })[];
}

export interface FeedbackContent {
  date: string;
  attendance: number | null;
  workloadFit: number | null;
  collaboration: number | null;
  text: string | null;
}

export interface Feedback extends RecordBase, FeedbackContent {
  history?: (FeedbackContent & { version: number; at: string })[];
}
