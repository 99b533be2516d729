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
