// A case as the pages use it: its summary with every participant. The API answers the first
// participants with the case and continues them on GET /api/cases/{caseId}/participants; the app
// needs them all (who am I in this case, names for ids, whom to share with), so it follows them.
import { type ApiResult, api } from "./api";
import { fetchAll, fetchRest } from "./paging";
import type { AccessEntry, CaseSummary, Participant } from "./types";

const participantsPath = (caseId: string) => `/api/cases/${caseId}/participants`;

/** The case summary (with its ETag) and all of its participants, however many pages they take. */
export async function loadCase(caseId: string): Promise<ApiResult<CaseSummary>> {
  const result = await api.get<CaseSummary>(`/api/cases/${caseId}`);
  const participants = await fetchRest<Participant>(participantsPath(caseId), "participants", {
    items: result.data.participants,
    continuation: result.data.participantsContinuation,
  });
  return { ...result, data: { ...result.data, participants, participantsContinuation: null } };
}

/** Every invited and active participant of the case (all pages): for pickers such as the share
 * dialog's, when they are not handed the case summary's list. */
export function caseParticipants(caseId: string): Promise<Participant[]> {
  return fetchAll<Participant>(participantsPath(caseId), "participants");
}

/** Everyone who can see one item (all pages of GET …/{item}/access): the share dialog needs the
 * whole list, both to show it and to leave those who already have access out of its picker.
 * ``itemUrl`` is the item's API path, e.g. ``/api/cases/{caseId}/notes/{noteId}``. */
export function whoHasAccess(itemUrl: string): Promise<AccessEntry[]> {
  return fetchAll<AccessEntry>(`${itemUrl}/access`, "access");
}
