import { randomBytes } from "node:crypto";
import { requestJson } from "./request-json.ts";

/** Registers a fresh benchmark user through the API and creates one project: the set-up every bench needs. */
export async function createBenchProject(
  api: string,
  project: { name: string; description: string },
): Promise<{ token: string; projectId: string }> {
  const auth = await requestJson<{ accessToken: string }>(
    `${api}/auth/register`,
    {
      method: "POST",
      body: {
        email: `bench-${randomBytes(4).toString("hex")}@example.test`,
        password: "a sturdy benchmark passphrase",
        name: "Bench",
      },
    },
    201,
  );
  const created = await requestJson<{ id: string }>(
    `${api}/projects`,
    { method: "POST", body: project, token: auth.accessToken },
    201,
  );
  return { token: auth.accessToken, projectId: created.id };
}
