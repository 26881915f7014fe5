/** One JSON request for benchmark set-up; any status but the expected one throws with the body. */
export async function requestJson<T>(
  url: string,
  init: { method?: string; body?: unknown; token?: string },
  expectStatus: number,
): Promise<T> {
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers["content-type"] = "application/json";
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const response = await fetch(url, {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  if (response.status !== expectStatus) {
    throw new Error(
      `${init.method ?? "GET"} ${url}: expected ${expectStatus}, got ${response.status} ${text}`,
    );
  }
  return JSON.parse(text) as T;
}
