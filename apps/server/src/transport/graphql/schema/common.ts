/** Shared scalars and enums; the page shape every list uses (REST's `{ items, nextCursor }`). */
export const commonSdl = /* GraphQL */ `
"Any JSON value (notification data, audit details, event schemas)."
scalar JSON

enum ProjectRole {
  owner
  editor
  viewer
}

enum Visibility {
  private
  public
}

type Query {
  "The signed-in person (or the owner of the API key)."
  me: User!
}

type Mutation

type Subscription

type User {
  id: ID!
  email: String!
  name: String!
  role: String!
  plan: String!
  emailVerified: Boolean!
  twoFactorEnabled: Boolean!
  createdAt: String!
}
`;
