import { createApiClient } from "./client-core.ts";
import { currentAccessToken, refreshAccessToken, SESSION_ENDED } from "./refresh.ts";
import { endSession, getSession } from "./session.ts";

export type { CallOptions } from "./client-core.ts";

/**
 * The REST API, typed by its route contracts: `call(apiRoutes.projects.get, { params: { id } })`.
 * There is no string-path surface: every call names a contract.
 */
export const { call, getAll } = createApiClient({
  fetch: (url, init) => fetch(url, init),
  accessToken: currentAccessToken,
  refresh: refreshAccessToken,
  hasSession: () => getSession() !== null,
  endSession: () => endSession(SESSION_ENDED),
  sessionEndedDetail: SESSION_ENDED,
});

export { apiRoutes } from "@codepark/protocol/api";
