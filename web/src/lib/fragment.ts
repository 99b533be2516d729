// Tokens from e-mail links travel in the URL fragment (never sent to a server, never in access
// logs). The app takes the token out of the address bar at once and keeps it for this tab only,
// so a reload or a detour through sign-in does not lose it.
export function takeFragmentToken(storageKey: string): string | null {
  const fromHash = new URLSearchParams(window.location.hash.slice(1)).get("token");
  if (fromHash) {
    sessionStorage.setItem(storageKey, fromHash);
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
    return fromHash;
  }
  return sessionStorage.getItem(storageKey);
}

export function forgetToken(storageKey: string): void {
  sessionStorage.removeItem(storageKey);
}
