// The light entry: only Node built-ins and the server. Helpers that pull in yjs, socket.io, SMTP or
// webhook libraries have their own subpaths, so a suite loads only what it uses.
export {
  ApiClient,
  type ApiClientOptions,
  type ApiResponse,
  createTestDatabase,
  type RegisterOptions,
  registerUser,
  type Store,
  startTestServer,
  TestClock,
  type TestServer,
  type TestUser,
  testStores,
} from "./harness.ts";
export { mainScript, type Running, startProcess } from "./processes.ts";
export {
  decryptAes128gcm,
  type FakePushService,
  makeSubscription,
  parseVapid,
  type ReceivedPush,
  startFakePushService,
  type TestSubscription,
  type VapidClaims,
} from "./push-service.ts";
export { testRedisPrefix, testRedisUrl } from "./redis.ts";
export { authenticatorCode } from "./totp-authenticator.ts";
export { waitFor } from "./wait.ts";
