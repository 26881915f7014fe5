/** Conversations and messages: packages/protocol/src/api/chat.ts. */
export const chatSdl = /* GraphQL */ `
extend type Query {
  conversations: [Conversation!]!
  conversation(id: ID!): Conversation!
  """
  Newest first, paged by cursor (REST's GET /conversations/:id/messages); with after: the messages
  after that seq, oldest first (what a reconnecting client missed).
  """
  messages(conversationId: ID!, after: Int, limit: Int = 20, cursor: String): MessagePage!
}

extend type Mutation {
  openDirectConversation(userId: ID!): Conversation!
  sendMessage(conversationId: ID!, body: String!): Message!
  editMessage(id: ID!, body: String!): Message!
  deleteMessage(id: ID!): Boolean!
  react(messageId: ID!, emoji: String!, on: Boolean = true): Message!
  markConversationRead(conversationId: ID!, seq: Int!): ReadState!
}

type Participant {
  id: ID!
  name: String!
}

type Conversation {
  id: ID!
  kind: String!
  projectId: ID
  participants: [Participant!]!
  lastSeq: Int!
  lastReadSeq: Int!
  unread: Int!
  createdAt: String!
}

type Reaction {
  emoji: String!
  userIds: [ID!]!
}

type Message {
  id: ID!
  conversationId: ID!
  seq: Int!
  authorId: ID
  body: String!
  mentions: [ID!]!
  createdAt: String!
  editedAt: String
  deletedAt: String
  reactions: [Reaction!]!
}

type MessagePage {
  items: [Message!]!
  nextCursor: String
  "With after: whether more messages follow the last one."
  hasMore: Boolean!
}

type ReadState {
  lastReadSeq: Int!
  unread: Int!
}
`;
