import { createClient } from "@codepark/sdk";
import { credential, SESSION_ENDED } from "./refresh.ts";

export type { CallOptions } from "@codepark/sdk";

/**
 * The CodePark SDK client for this tab, on the signed-in session (same origin). Pages call routes by
 * contract, `call(apiRoutes.projects.get, { params: { id } })`, or by name, `sdk.projects.get({ id })`.
 */
export const sdk = createClient({ baseUrl: "", credential, signedOutDetail: SESSION_ENDED });

export const { call, getAll } = sdk;

export { apiRoutes } from "@codepark/sdk";
