export type { ApiRoutes, RouteContract, RouteInput, RouteOutput } from "@codepark/protocol/api";
export { apiRoutes } from "@codepark/protocol/api";
export type { ClientAuth, ClientOptions, CodeParkClient, Credentials } from "./client.ts";
export { createClient } from "./client.ts";
export type { CollabOptions, CollabSession } from "./collab.ts";
export type { Credential } from "./credential.ts";
export { fixedCredential } from "./credential.ts";
export type { GraphQLErrorShape, SubscribeOptions, Variables } from "./graphql.ts";
export type { CallArgs, CallOptions, Http, ListArgs, PagedRoute, PageItem, RouteEntry } from "./http.ts";
export { createHttp, fetchArgs, PAGE_LIMIT } from "./http.ts";
export type { FlatInput, Namespace, Namespaces, PagerName } from "./namespaces.ts";
export type { ClientErrorCode, FieldError, ProblemCode, ProblemInit } from "./problem-error.ts";
export { NETWORK_DETAIL, networkError, ProblemError, problemOf } from "./problem-error.ts";
export type { RealtimeOptions, RealtimeSocket } from "./realtime.ts";
export type {
  SessionCredential,
  SessionCredentialOptions,
  SessionStore,
  SessionTokens,
} from "./session-credential.ts";
export { memorySessionStore, sessionCredential } from "./session-credential.ts";
export { secondsLeft } from "./token-lifetime.ts";
