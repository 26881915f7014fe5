/** Live changes over graphql-ws, fed by the domain event log (docs/graphql.md). */
export const subscriptionsSdl = /* GraphQL */ `
extend type Subscription {
  projectUpdated(projectId: ID!): ProjectUpdate!
  fileChanged(projectId: ID!): FileChange!
  memberChanged(projectId: ID!): MemberChange!
  messageAdded(conversationId: ID!): Message!
  notificationAdded: Notification!
}

type ProjectUpdate {
  id: ID!
  name: String!
  description: String!
  visibility: Visibility!
  updatedAt: String!
  changedFields: [String!]!
}

type FileSummary {
  id: ID!
  projectId: ID!
  path: String!
  language: String!
  size: Int!
  updatedAt: String!
}

type FileChange {
  "file.created, file.updated, file.renamed or file.deleted."
  type: String!
  projectId: ID!
  fileId: ID!
  path: String!
  "Absent for a deleted file."
  file: FileSummary
  previousPath: String
  actorId: ID
}

type MemberChange {
  "member.added, member.removed or member.role_changed."
  type: String!
  projectId: ID!
  userId: ID!
  role: ProjectRole
  previousRole: ProjectRole
  actorId: ID
}
`;
