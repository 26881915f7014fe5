/** Every table, gathered for drizzle (typed queries) and drizzle-kit (migrations). */
export { apiKeys, instanceSecrets, refreshTokens, sessions } from "../../domain/auth/schema.ts";
export { docSnapshots, docUpdates, docVersions } from "../../domain/collab/schema.ts";
export { files } from "../../domain/files/schema.ts";
export { projectMembers, projects } from "../../domain/projects/schema.ts";
export { recoveryCodes, users } from "../../domain/users/schema.ts";
