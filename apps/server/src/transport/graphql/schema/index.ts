import { accountSdl } from "./account.ts";
import { chatSdl } from "./chat.ts";
import { commonSdl } from "./common.ts";
import { projectsSdl } from "./projects.ts";
import { subscriptionsSdl } from "./subscriptions.ts";

/** The whole SDL, one piece per module; packages/protocol/schema.graphql is generated from it. */
export const graphqlSdl = [commonSdl, projectsSdl, chatSdl, accountSdl, subscriptionsSdl].join("\n");
