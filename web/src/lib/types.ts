// The shapes the API answers with (see functions/*.py), as far as the app reads them.
export interface CaseRef {
  caseId: string;
  orgId: string;
  orgName: string;
  role: string;
  status: string;
}

export interface Participant {
  userId: string;
  name: string;
  role: string;
  status: string;
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
}

export interface AccessEntry {
  userId: string;
  name: string;
  role: string;
  access: "owner" | "shared";
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
}
