/** The inbox, webhooks, API keys, the audit log and the event catalogue. */
export const accountSdl = /* GraphQL */ `
extend type Query {
  notifications(limit: Int = 20, cursor: String, unread: Boolean, archived: Boolean): NotificationPage!
  unreadNotifications: UnreadCount!
  webhooks(limit: Int = 20, cursor: String): WebhookPage!
  webhook(id: ID!): Webhook!
  deliveries(webhookId: ID!, limit: Int = 20, cursor: String): DeliveryPage!
  "Admins see every entry; others their own (REST's GET /audit)."
  auditLog(action: String, since: String, until: String, actorId: ID, limit: Int = 20, cursor: String): AuditPage!
  eventTypes: [EventType!]!
  apiKeys(limit: Int = 20, cursor: String): ApiKeyPage!
}

extend type Mutation {
  markNotificationsRead(ids: [ID!]!): UnreadCount!
  markAllNotificationsRead: UnreadCount!
  archiveNotifications(ids: [ID!]!): UnreadCount!
  createWebhook(input: WebhookInput!): WebhookWithSecret!
  updateWebhook(id: ID!, input: WebhookPatch!): Webhook!
  deleteWebhook(id: ID!): Boolean!
  "Queues a webhook.test delivery to this endpoint."
  testWebhook(id: ID!): Boolean!
  rotateWebhookSecret(id: ID!): WebhookWithSecret!
  retryDelivery(webhookId: ID!, deliveryId: ID!): Boolean!
  "Sessions only: an API key cannot make keys."
  createApiKey(name: String!, scopes: [String!]!): ApiKeyCreated!
  revokeApiKey(id: ID!): Boolean!
}

type Notification {
  id: ID!
  kind: String!
  actorId: ID
  data: JSON!
  title: String!
  body: String!
  url: String!
  readAt: String
  archivedAt: String
  createdAt: String!
}

type NotificationPage {
  items: [Notification!]!
  nextCursor: String
}

type UnreadCount {
  unread: Int!
}

input WebhookInput {
  url: String!
  events: [String!]!
  active: Boolean
  description: String
}

input WebhookPatch {
  url: String
  events: [String!]
  active: Boolean
  description: String
}

type Webhook {
  id: ID!
  url: String!
  events: [String!]!
  active: Boolean!
  description: String!
  disabledReason: String
  failingSince: String
  createdAt: String!
  updatedAt: String!
}

type WebhookWithSecret {
  id: ID!
  url: String!
  events: [String!]!
  active: Boolean!
  description: String!
  disabledReason: String
  failingSince: String
  createdAt: String!
  updatedAt: String!
  "Shown at creation and rotation only."
  secret: String!
}

type WebhookPage {
  items: [Webhook!]!
  nextCursor: String
}

type DeliveryAttempt {
  attemptedAt: String!
  statusCode: Int
  durationMs: Int!
  responseExcerpt: String!
  error: String
}

type Delivery {
  id: ID!
  eventId: String
  eventType: String!
  status: String!
  attempts: [DeliveryAttempt!]!
  createdAt: String!
  updatedAt: String!
}

type DeliveryPage {
  items: [Delivery!]!
  nextCursor: String
}

type AuditEntry {
  id: ID!
  action: String!
  actorId: ID
  targetType: String
  targetId: String
  ip: String
  userAgent: String
  details: JSON!
  occurredAt: String!
}

type AuditPage {
  items: [AuditEntry!]!
  nextCursor: String
}

type EventType {
  name: String!
  description: String!
  "JSON Schema of the event's envelope."
  schema: JSON!
}

type ApiKey {
  id: ID!
  name: String!
  prefix: String!
  scopes: [String!]!
  createdAt: String!
  lastUsedAt: String
}

type ApiKeyCreated {
  id: ID!
  name: String!
  prefix: String!
  scopes: [String!]!
  createdAt: String!
  lastUsedAt: String
  "Shown once: store it now."
  key: String!
}

type ApiKeyPage {
  items: [ApiKey!]!
  nextCursor: String
}
`;
