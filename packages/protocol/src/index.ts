export type { AckResponse, RealtimeError } from "./ack.ts";
export type { ApiKeyScope, ProjectRole, UserPlan, UserRole } from "./auth.ts";
export {
  API_KEY_PREFIX,
  apiKeyScopes,
  projectRoles,
  REFRESH_TOKEN_PREFIX,
  userPlans,
  userRoles,
} from "./auth.ts";
export type { ChatClientEvents, ChatJoinAck, ChatServerEvents, ChatTypingEvent } from "./chat-realtime.ts";
export {
  chatClientEventNames,
  chatDeletePayload,
  chatEditPayload,
  chatJoinPayload,
  chatLeavePayload,
  chatReactPayload,
  chatReadPayload,
  chatSendPayload,
  chatTypingPayload,
} from "./chat-realtime.ts";
export type { ErrorCode, Problem } from "./errors.ts";
export { errorCodes } from "./errors.ts";
export type {
  AccessEventPayloads,
  AccountEventPayloads,
  ChatEventPayloads,
  DomainEvent,
  DomainEventName,
  DomainEventPayloads,
  FileSummary,
  MessageSummary,
  ProjectEventName,
  ProjectEventPayloads,
  ProjectSummary,
  VersionSummary,
  WebhookEventName,
} from "./events.ts";
export { projectEventNames, webhookEventNames } from "./events.ts";
export type {
  ClientToServerEventName,
  ClientToServerEvents,
  DevicePresence,
  DevicePresenceStatus,
  PresenceState,
  PresenceStatus,
  PresenceUpdateAck,
  PresenceUpdatePayload,
  ProjectEventListeners,
  ProjectJoinAck,
  ProjectJoinPayload,
  ProjectLeavePayload,
  ProjectLeftEvent,
  RealtimeProjectEvent,
  ServerToClientEvents,
  TypingEvent,
  TypingPayload,
} from "./realtime.ts";
export {
  clientToServerEventNames,
  devicePresenceStatuses,
  presenceStatuses,
  presenceUpdatePayload,
  projectJoinPayload,
  projectLeavePayload,
  REALTIME_PATH,
  typingPayload,
} from "./realtime.ts";
