/**
 * Seconds until an access token expires: its lifetime (JWT `exp` − `iat`) minus its age on this
 * machine's clock since `receivedAt`, so a skewed local clock does not matter. 0 when unreadable;
 * Infinity for a token that is not a JWT (an API key never expires this way).
 */
export function secondsLeft(accessToken: string, receivedAt: number, now = Date.now()): number {
  if (accessToken.split(".").length !== 3) return Number.POSITIVE_INFINITY;
  try {
    const payload = accessToken.split(".")[1]!;
    const json = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as {
      exp?: number;
      iat?: number;
    };
    if (typeof json.exp !== "number") return 0;
    const lifetime = typeof json.iat === "number" ? json.exp - json.iat : json.exp - now / 1000;
    return lifetime - (now - (receivedAt || 0)) / 1000;
  } catch {
    return 0;
  }
}
