import { registerUser, type Store, startTestServer, type TestServer, type TestUser } from "@codepark/testing";
import { WebSocket } from "ws";
import { type ClientAuth, type ClientOptions, type CodeParkClient, createClient } from "../src/index.ts";

export interface SdkFixture {
  server: TestServer;
  /** A fresh, verified account (registered through the test harness) and an SDK client signed in as it. */
  account(name?: string): Promise<{ user: TestUser; client: CodeParkClient }>;
  /** An SDK client on this server with the given credential (Node's WebSocket from `ws`). */
  client(auth: ClientAuth & { fetch?: typeof globalThis.fetch }): CodeParkClient;
  stop(): Promise<void>;
}

/** A real CodePark server on `store` with SDK clients against it. */
export async function startSdkFixture(store: Store): Promise<SdkFixture> {
  // Webhook endpoints on this machine are allowed (the tests' receivers listen on 127.0.0.1).
  const server = await startTestServer(store, { WEBHOOK_ALLOW_PRIVATE: "true" });
  // The first account is the instance admin; tests use ordinary accounts.
  await registerUser(server.api, "Admin");
  const client = (auth: ClientAuth & { fetch?: typeof globalThis.fetch }) =>
    createClient({ baseUrl: server.baseUrl, WebSocket, ...auth } as ClientOptions);
  return {
    server,
    client,
    async account(name = "Tester") {
      const user = await registerUser(server.api, name);
      return { user, client: client({ token: user.accessToken, refreshToken: user.refreshToken }) };
    },
    stop: () => server.stop(),
  };
}
