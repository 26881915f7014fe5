import { registerUser, startTestServer, type TestServer, testStores } from "@codepark/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe.each(testStores())("start-up on %s", (store) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(store);
  });
  afterAll(() => server?.stop());

  it("answers health and readiness and names its store", async () => {
    expect((await server.api.get("/healthz")).status).toBe(200);
    const ready = await server.api.get("/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body.storage).toBe(store);
  });

  it("makes the first account admin and later ones users", async () => {
    const first = await registerUser(server.api);
    const second = await registerUser(server.api);
    expect(first.role).toBe("admin");
    expect(second.role).toBe("user");
  });
});
