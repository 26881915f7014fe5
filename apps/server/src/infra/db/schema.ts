/** Every table, gathered for drizzle-kit (migrations) only: at run time each domain module queries its own tables. */

export { auditLog } from "../../domain/audit/schema.ts";
export { apiKeys, instanceSecrets, refreshTokens, sessions } from "../../domain/auth/schema.ts";
export {
  conversationMembers,
  conversationReads,
  conversations,
  messageReactions,
  messages,
} from "../../domain/chat/schema.ts";
export { collabJournal, docSnapshots, docUpdates, docVersions } from "../../domain/collab/schema.ts";
export { domainEvents, eventOutbox } from "../../domain/events/schema.ts";
export { fileEditors, files } from "../../domain/files/schema.ts";
export { jobSchedules, jobs } from "../../domain/jobs/schema.ts";
export {
  notificationCounters,
  notificationPreferences,
  notificationSettings,
  notifications,
  pushSubscriptions,
} from "../../domain/notifications/schema.ts";
export { dataExports } from "../../domain/privacy/schema.ts";
export { projectMembers, projects } from "../../domain/projects/schema.ts";
export { accountTokens, recoveryCodes, userIdentities, users } from "../../domain/users/schema.ts";
export { webhookAttempts, webhookDeliveries, webhooks } from "../../domain/webhooks/schema.ts";
