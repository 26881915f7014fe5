import { randomBytes } from "node:crypto";
import { requestJson } from "./request-json.ts";

/**
 * A fresh account as a client makes one: register (202 whatever the address), then sign in with the
 * same credentials. The account is unverified: a bench that adds it to a project marks it verified
 * in the store first (see chat.ts).
 */
export async function registerAndSignIn(
  api: string,
  account: { email: string; password: string; name: string },
): Promise<{ accessToken: string }> {
  await requestJson(`${api}/auth/register`, { method: "POST", body: account }, 202);
  return requestJson<{ accessToken: string }>(
    `${api}/auth/login`,
    { method: "POST", body: { email: account.email, password: account.password } },
    200,
  );
}

/** Registers a fresh benchmark user through the API and creates one project: the set-up every bench needs. */
export async function createBenchProject(
  api: string,
  project: { name: string; description: string },
): Promise<{ token: string; projectId: string }> {
  const auth = await registerAndSignIn(api, {
    email: `bench-${randomBytes(4).toString("hex")}@example.test`,
    password: "a sturdy benchmark passphrase",
    name: "Bench",
  });
  const created = await requestJson<{ id: string }>(
    `${api}/projects`,
    { method: "POST", body: project, token: auth.accessToken },
    201,
  );
  return { token: auth.accessToken, projectId: created.id };
}
