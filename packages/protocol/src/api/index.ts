export { type AuditEntry, auditEntry, auditQuery } from "./audit.ts";
export type { AuthResult, User } from "./auth.ts";
export {
  apiKey,
  apiKeyCreateBody,
  apiKeyCreated,
  authResult,
  codeBody,
  loginBody,
  logoutBody,
  recoveryCodesResult,
  refreshBody,
  registerBody,
  session,
  twoFactorSetup,
  user,
  userPatchBody,
} from "./auth.ts";
export type { ChatMessage, Conversation } from "./chat.ts";
export {
  chatMessage,
  conversation,
  conversationCreateBody,
  MAX_MESSAGE_LENGTH,
  messageBody,
  reactionBody,
  readBody,
  readResult,
} from "./chat.ts";
export { id, isoDate, pageOf, pageQuery, problem } from "./common.ts";
export * from "./notifications.ts";
export type { Project } from "./projects.ts";
export {
  file,
  fileCreateBody,
  filePatchBody,
  fileWithContent,
  member,
  memberAddBody,
  memberPatchBody,
  project,
  projectCreateBody,
  projectPatchBody,
  projectPutBody,
  version,
  versionCreateBody,
  versionWithContent,
} from "./projects.ts";
export { pushSubscription, pushSubscriptionCreateBody, vapidPublicKey } from "./push.ts";
export {
  job,
  webhook,
  webhookAttempt,
  webhookCreateBody,
  webhookDelivery,
  webhookUpdateBody,
  webhookWithSecret,
} from "./webhooks.ts";
