// The one way the app talks to the API: JSON in and out, the UI language in Accept-Language (so
// errors come back already localised), the CSRF token on every state change, If-Match where a
// change names the version it was made on, and problem+json turned into ApiError.
import type { Problem as ProblemDocument, ProblemField } from "./api-types";
import { language, t } from "./i18n";

/** One invalid field of a problem (decision 017): every one is listed, each with its own text. */
export type FieldProblem = ProblemField;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail: string,
    readonly field?: string,
    readonly errors: FieldProblem[] = [],
  ) {
    super(detail);
  }
}

export interface ApiResult<T> {
  data: T;
  etag: string | null;
  status: number;
}

/** What an error answer holds, as far as it could be parsed (a proxy may answer HTML). */
type Problem = Partial<ProblemDocument>;

/** What the app does when the session is gone or the terms changed (set by the app shell). */
export const authHandlers = {
  onSessionLost: (_error: ApiError): void => {},
  onConsentRequired: (): void => {},
};

let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export interface RequestOptions {
  body?: unknown;
  ifMatch?: string | null;
  /** ``"*"`` on a create that must not overwrite what exists (412 if something does). */
  ifNoneMatch?: "*";
  /** For calls that may legitimately answer 401 (who am I? signing in): no redirect to login. */
  anonymous?: boolean;
}

function headersFor(method: string, options: RequestOptions): Record<string, string> {
  const headers: Record<string, string> = {
    Accept: "application/json",
    "Accept-Language": language.get(),
  };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  if (options.ifMatch) headers["If-Match"] = options.ifMatch;
  if (options.ifNoneMatch) headers["If-None-Match"] = options.ifNoneMatch;
  return headers;
}

function problemOf(status: number, text: string, anonymous: boolean): ApiError {
  let problem: Problem = {};
  try {
    problem = JSON.parse(text) as Problem;
  } catch {
    problem = {};
  }
  const errors = Array.isArray(problem.errors) ? problem.errors : [];
  const error = new ApiError(
    status,
    problem.code ?? `http_${status}`,
    problem.title ?? t("web.errors.unexpectedTitle"),
    problem.detail ?? t("web.errors.unexpected", { status }),
    errors.find((entry) => entry.field)?.field ?? undefined,
    errors,
  );
  if (!anonymous && status === 401) authHandlers.onSessionLost(error);
  if (status === 403 && error.code === "consent_required") authHandlers.onConsentRequired();
  return error;
}

export function networkError(): ApiError {
  return new ApiError(0, "network", t("web.errors.networkTitle"), t("web.errors.network"));
}

/** An answer as it came off the wire, before it is judged (a problem becomes an ApiError then). */
interface Answer {
  ok: boolean;
  status: number;
  text: string;
  etag: string | null;
}

async function send(method: string, path: string, options: RequestOptions): Promise<Answer> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: headersFor(method, options),
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: "same-origin",
    });
  } catch {
    throw networkError();
  }
  const text = await response.text();
  return { ok: response.ok, status: response.status, text, etag: response.headers.get("ETag") };
}

// GETs started before the page that makes them is on screen (app.tsx: a route's ``preload``, at
// the same time as the session check and the page's chunk), by path. The page's own first
// ``api.get`` of that path takes the answer instead of asking again; it is judged then, exactly
// as if the page had asked itself (a 401 ends the session there, not before the session check
// has said whether there is one). An answer is taken once, within PREFETCH_MS, and never after
// this tab changed something (any other method drops them all).
const PREFETCH_MS = 15_000;
const prefetched = new Map<string, { at: number; answer: Promise<Answer> }>();

/** Start the GETs at ``paths`` for a page about to be shown (forgetting any not taken before). */
export function prefetch(paths: string[]): void {
  prefetched.clear();
  for (const path of paths) {
    const answer = send("GET", path, {});
    answer.catch(() => undefined); // judged by the page that takes it; if none does, nobody cares
    prefetched.set(path, { at: Date.now(), answer });
  }
}

/** Forget every prefetched answer not taken (signing out, any change). */
export function dropPrefetched(): void {
  prefetched.clear();
}

function takePrefetched(method: string, path: string, options: RequestOptions): Promise<Answer> | null {
  if (method !== "GET" || options.ifMatch || options.ifNoneMatch) return null;
  const entry = prefetched.get(path);
  if (!entry) return null;
  prefetched.delete(path);
  return Date.now() - entry.at <= PREFETCH_MS ? entry.answer : null;
}

export async function request<T>(
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<ApiResult<T>> {
  if (method !== "GET") dropPrefetched();
  const answer = await (takePrefetched(method, path, options) ?? send(method, path, options));
  if (!answer.ok) throw problemOf(answer.status, answer.text, options.anonymous ?? false);
  const data = (answer.text ? JSON.parse(answer.text) : null) as T;
  return { data, etag: answer.etag, status: answer.status };
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => request<T>("GET", path, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) =>
    request<T>("POST", path, { ...options, body: body ?? {} }),
  put: <T>(path: string, body: unknown, options?: RequestOptions) =>
    request<T>("PUT", path, { ...options, body }),
  patch: <T>(path: string, body: unknown, options?: RequestOptions) =>
    request<T>("PATCH", path, { ...options, body }),
  delete: <T = null>(path: string, options?: RequestOptions) => request<T>("DELETE", path, options),
};

/** A multipart upload through XMLHttpRequest, which (unlike fetch) reports upload progress. */
export function upload<T>(
  method: string,
  path: string,
  form: FormData,
  options: { ifMatch?: string | null; onProgress?: (fraction: number) => void } = {},
): Promise<ApiResult<T>> {
  dropPrefetched();
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, path);
    for (const [name, value] of Object.entries(headersFor(method, { ifMatch: options.ifMatch }))) {
      xhr.setRequestHeader(name, value);
    }
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) options.onProgress?.(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status < 200 || xhr.status >= 300) {
        reject(problemOf(xhr.status, xhr.responseText, false));
        return;
      }
      options.onProgress?.(1);
      const data = (xhr.responseText ? JSON.parse(xhr.responseText) : null) as T;
      resolve({ data, etag: xhr.getResponseHeader("ETag"), status: xhr.status });
    });
    xhr.addEventListener("error", () => reject(networkError()));
    xhr.addEventListener("abort", () => reject(networkError()));
    xhr.send(form);
  });
}

/** A POST whose answer is a file (a PDF report): through XMLHttpRequest, which reports the
 * download's progress (``null`` while the server is still making it, then 0…1). Errors come back
 * as problem+json, read from the blob. */
export function downloadPost(
  path: string,
  body: unknown,
  options: { onProgress?: (fraction: number | null) => void } = {},
): Promise<{ blob: Blob; fileName: string | null; headers: (name: string) => string | null }> {
  dropPrefetched();
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    xhr.responseType = "blob";
    for (const [name, value] of Object.entries(headersFor("POST", { body })))
      xhr.setRequestHeader(name, value);
    xhr.addEventListener("progress", (event) => {
      options.onProgress?.(event.lengthComputable && event.total > 0 ? event.loaded / event.total : null);
    });
    xhr.addEventListener("load", () => {
      const blob = xhr.response as Blob;
      if (xhr.status < 200 || xhr.status >= 300) {
        void blob.text().then((text) => reject(problemOf(xhr.status, text, false)));
        return;
      }
      options.onProgress?.(1);
      const disposition = xhr.getResponseHeader("Content-Disposition") ?? "";
      const fileName = /filename="([^"]+)"/.exec(disposition)?.[1] ?? null;
      resolve({ blob, fileName, headers: (name) => xhr.getResponseHeader(name) });
    });
    xhr.addEventListener("error", () => reject(networkError()));
    xhr.addEventListener("abort", () => reject(networkError()));
    xhr.send(JSON.stringify(body));
  });
}
