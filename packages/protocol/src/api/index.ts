export { type AuditEntry, auditEntry, auditQuery } from "./audit.ts";
export type { AuthResult, User } from "./auth.ts";
export {
  apiKey,
  apiKeyCreateBody,
  apiKeyCreated,
  authResult,
  changePasswordBody,
  codeBody,
  forgotPasswordAccepted,
  forgotPasswordBody,
  loginBody,
  logoutBody,
  profilePatchBody,
  profileResult,
  recoveryCodesResult,
  refreshBody,
  registerAccepted,
  registerBody,
  resetPasswordBody,
  session,
  twoFactorSetup,
  user,
  userPatchBody,
  verificationSent,
  verifyEmailBody,
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
export { BIDI_CONTROLS, id, isoDate, pageOf, pageQuery, problem } from "./common.ts";
export type {
  HttpMethod,
  RedirectResponse,
  RedirectTarget,
  RouteAuth,
  RouteContract,
  RouteGroup,
  RouteInput,
  RouteOutput,
  RouteRequest,
  RouteResponses,
  RouteStatus,
} from "./contract.ts";
export {
  API_BASE_PATH,
  defineRoute,
  httpMethods,
  isRedirectResponse,
  pathParamNames,
  redirectResponse,
  routeRequest,
  successStatuses,
} from "./contract.ts";
export type {
  Notification,
  NotificationChannel,
  NotificationKind,
  NotificationPreferences,
  UnreadCount,
} from "./notifications.ts";
export {
  emailDigestMinutes,
  notification,
  notificationChannels,
  notificationIdsBody,
  notificationKinds,
  notificationListQuery,
  notificationPreferences,
  notificationPreferencesBody,
  unreadCount,
} from "./notifications.ts";
export type { AuthProviders } from "./oidc.ts";
export { authProviders, oidcCallbackQuery, oidcExchangeBody, oidcStartQuery } from "./oidc.ts";
export type { DataExport, OwnedProjectsChoice } from "./privacy.ts";
export {
  dataExport,
  dataExportList,
  deleteAccountBody,
  deleteUserBody,
  exportDownloadQuery,
  exportLink,
  ownedProjectsChoices,
} from "./privacy.ts";
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
export type { ApiRoutes } from "./routes/index.ts";
export { apiRoutes } from "./routes/index.ts";
export {
  job,
  jobListQuery,
  jobStates,
  webhook,
  webhookAttempt,
  webhookCreateBody,
  webhookDelivery,
  webhookUpdateBody,
  webhookWithSecret,
} from "./webhooks.ts";
