/** Projects, members, files and versions: the REST DTOs of packages/protocol/src/api/projects.ts. */
export const projectsSdl = /* GraphQL */ `
extend type Query {
  "Projects the caller is a member of, oldest first; cursor as REST's GET /projects."
  projects(limit: Int = 20, cursor: String): ProjectPage!
  project(id: ID!): Project!
  "A file with its live text, by id alone."
  file(id: ID!): File!
}

extend type Mutation {
  createProject(input: ProjectCreateInput!): Project!
  updateProject(id: ID!, input: ProjectUpdateInput!): Project!
  deleteProject(id: ID!): Boolean!
  addMember(projectId: ID!, email: String!, role: ProjectRole!): Member!
  changeMemberRole(projectId: ID!, userId: ID!, role: ProjectRole!): Member!
  removeMember(projectId: ID!, userId: ID!): Boolean!
  createFile(projectId: ID!, path: String!, content: String): File!
  renameFile(projectId: ID!, fileId: ID!, path: String!): File!
  updateFileContent(projectId: ID!, fileId: ID!, content: String!): File!
  deleteFile(projectId: ID!, fileId: ID!): Boolean!
  createVersion(projectId: ID!, fileId: ID!, name: String!): Version!
  restoreVersion(projectId: ID!, fileId: ID!, versionId: ID!): Version!
}

input ProjectCreateInput {
  name: String!
  description: String
  visibility: Visibility
}

input ProjectUpdateInput {
  name: String
  description: String
  visibility: Visibility
}

type Project {
  id: ID!
  name: String!
  description: String!
  visibility: Visibility!
  "The caller's role; null when not a member."
  role: ProjectRole
  createdAt: String!
  updatedAt: String!
  members(limit: Int = 20, cursor: String): MemberPage!
  files(limit: Int = 20, cursor: String): FilePage!
  "A file's version history (also on File.versions)."
  versions(fileId: ID!, limit: Int = 20, cursor: String): VersionPage!
  "The project's chat channel."
  conversation: Conversation!
}

type ProjectPage {
  items: [Project!]!
  nextCursor: String
}

type Member {
  userId: ID!
  email: String!
  name: String!
  role: ProjectRole!
  joinedAt: String!
}

type MemberPage {
  items: [Member!]!
  nextCursor: String
}

type File {
  id: ID!
  projectId: ID!
  path: String!
  language: String!
  "UTF-8 bytes of the live text."
  size: Int!
  createdAt: String!
  updatedAt: String!
  "The live text: what collaborators see right now."
  content: String!
  versions(limit: Int = 20, cursor: String): VersionPage!
}

type FilePage {
  items: [File!]!
  nextCursor: String
}

type VersionAuthor {
  id: ID!
  name: String!
}

type Version {
  id: ID!
  fileId: ID!
  name: String
  "auto: checkpoint; named: saved by someone; restore: saved before a restore."
  kind: String!
  size: Int!
  createdBy: VersionAuthor
  createdAt: String!
}

type VersionPage {
  items: [Version!]!
  nextCursor: String
}
`;
