import { accountResolvers } from "./account.ts";
import { chatResolvers } from "./chat.ts";
import { projectResolvers } from "./projects.ts";
import { subscriptionResolvers } from "./subscriptions.ts";
import type { ResolverMap } from "./types.ts";

/** Every module's resolvers, merged per type. */
export const graphqlResolvers: ResolverMap = {};
for (const map of [accountResolvers, projectResolvers, chatResolvers, subscriptionResolvers]) {
  for (const [type, fields] of Object.entries(map))
    graphqlResolvers[type] = { ...graphqlResolvers[type], ...fields };
}
