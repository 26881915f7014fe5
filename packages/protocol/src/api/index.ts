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
export { id, isoDate, pageOf, pageQuery, problem } from "./common.ts";
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
export {
  job,
  webhook,
  webhookAttempt,
  webhookCreateBody,
  webhookDelivery,
  webhookUpdateBody,
  webhookWithSecret,
} from "./webhooks.ts";
