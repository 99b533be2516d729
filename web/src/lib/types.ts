// The shapes the API answers with (see functions/*.py), as far as the app reads them.
export interface CaseRef {
  caseId: string;
  orgId: string;
  orgName: string;
  /** The user's role and part (invited / active) in the case. */
  role: string;
  status: string;
  /** Whose case it is; null until the user accepted the invitation. */
  employeeName: string | null;
  caseStatus: "open" | "closed" | null;
  legalHold: boolean;
  createdAt: string | null;
  closedAt: string | null;
}

export interface Participant {
  userId: string;
  name: string;
  role: string;
  status: string;
  /** The account was deleted (issue 20): shown as a former participant. */
  former?: boolean;
}

export interface CaseSummary {
  caseId: string;
  orgId: string;
  status: "open" | "closed";
  createdAt: string;
  closedAt: string | null;
  legalHold: boolean;
  participants: Participant[];
}

export interface Stage {
  stageId: string;
  fromDate: string;
  workloadPercent: number;
  tasks: string;
  nextReview: string | null;
  version: number;
  updatedAt: string;
  updatedBy: string;
  etag: string;
}

export interface PlanChange {
  stageId: string;
  version: number;
  change: string;
  at: string;
  by: string;
  stage: Omit<Stage, "etag"> | null;
}

export type Category = "job_description" | "target_agreement" | "medical_certificate" | "other";
export const CATEGORIES: Category[] = ["job_description", "target_agreement", "medical_certificate", "other"];

/** Someone one of my items is shared with now (lists answer these for my own items). */
export interface ShareState {
  userId: string;
  expiresAt: string | null;
  subject: boolean;
}

export interface DocumentView {
  id: string;
  caseId: string;
  category: Category;
  title: string;
  fileName: string;
  contentType: string;
  size: number;
  version: number;
  ownerId: string;
  ownerRole: string;
  mine: boolean;
  createdAt: string;
  updatedAt: string;
  etag: string;
  /** In lists, for my own documents: who it is shared with now ([] = private). */
  sharedWith?: ShareState[] | null;
}

export interface DocumentVersion {
  version: number;
  fileName: string;
  contentType: string;
  size: number;
  createdAt: string;
  current: boolean;
}

export interface NoteView {
  id: string;
  caseId: string;
  title: string;
  /** Only when one note is read (lists carry titles: each read of someone's note is audited). */
  body?: string;
  ownerId: string;
  ownerRole: string;
  mine: boolean;
  createdAt: string;
  updatedAt: string;
  etag: string;
  /** In lists, for my own notes: who it is shared with now ([] = private). */
  sharedWith?: ShareState[] | null;
}

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

export interface NotificationView {
  id: string;
  kind: string;
  caseId: string;
  itemType: string | null;
  itemId: string | null;
  read: boolean;
  at: string;
}

// --- reflections and the dashboard (issue 15; docs: helpers' API contract) -------------------

/** The six scales, in their fixed order; ``pain`` and ``stress`` up = worse. */
export const SCALES = ["wellbeing", "energy", "pain", "stress", "sleep", "workload"] as const;
export type ScaleName = (typeof SCALES)[number];
export const HIGHER_IS_WORSE: ReadonlySet<ScaleName> = new Set(["pain", "stress"]);

/** The guided prompts and the free note, with their length limits (characters). */
export const PROMPTS = ["wentWell", "limits", "needs", "note"] as const;
export type PromptName = (typeof PROMPTS)[number];
export const PROMPT_LIMITS: Record<PromptName, number> = { wentWell: 2000, limits: 2000, needs: 2000, note: 4000 };

export interface Reflection {
  date: string;
  scales: Record<ScaleName, number | null>;
  wentWell: string | null;
  limits: string | null;
  needs: string | null;
  note: string | null;
  updatedAt: string;
  etag: string;
}

export interface ReflectionList {
  entries: Reflection[];
  from: string;
  to: string;
  editableFrom: string;
  today: string;
}

export type TrendStatus = "improving" | "worsening" | "stable" | "not_enough_data";

export interface ScaleSeries {
  scale: ScaleName;
  polarity: "higher_is_better" | "higher_is_worse";
  points: { date: string; value: number }[];
  weekly: { week: string; start: string; mean: number; count: number }[];
  monthly: { month: string; mean: number; count: number }[];
  trend: { status: TrendStatus; slopePer30Days: number | null; points: number };
}

export interface PlanSpan {
  from: string;
  to: string | null;
  workloadPercent: number;
}

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

export interface CapacitySpan {
  from: string;
  /** Exclusive: the day after validTo, or the next evaluation's first day; null: open. */
  to: string | null;
  capacityPercent: number;
  evaluationId: string;
  version: number;
  corrected: boolean;
}

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
