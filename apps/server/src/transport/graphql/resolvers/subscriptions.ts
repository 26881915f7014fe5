import type { DomainEvent } from "@codepark/protocol";
import type { Actor } from "../../../domain/actor.ts";
import { readConversationFor } from "../../../domain/chat/access.ts";
import { AppError } from "../../../domain/errors.ts";
import { authorizeAccount, can } from "../../../domain/policy.ts";
import { readProjectAccess, readProjectFor } from "../../../domain/projects/access.ts";
import type { Services } from "../../../services.ts";
import { actorIn, type GraphqlContext } from "../context.ts";
import { codedGraphqlError } from "../errors.ts";
import { type EventPick, eventStream } from "../event-stream.ts";
import type { ResolverMap } from "./types.ts";

type Of<K extends DomainEvent["type"]> = Extract<DomainEvent, { type: K }>;

/**
 * Whether the subscriber may still read the project, asked at every delivery (the access cache is
 * invalidated before an event is published, so a removal is seen by the very next event): an
 * outsider now gets the error REST would give, and the subscription ends with it.
 */
async function stillReadable(ctx: Services, actor: Actor, projectId: string): Promise<void> {
  const access = await readProjectAccess(ctx, actor.userId, projectId);
  if (!access) throw new AppError("not_found", "Project not found");
  if (!can(actor, "project:read", { visibility: access.project.visibility, memberRole: access.memberRole })) {
    await readProjectFor(ctx, actor, projectId, "project:read");
  }
}

/** Events after which someone may no longer read a project (or a conversation in it). */
function changesAccess(event: DomainEvent): boolean {
  if (event.type === "member.removed" || event.type === "member.role_changed") return true;
  return event.type === "project.updated" && event.data.changedFields.includes("visibility");
}

/** A project-scoped subscription: checked when it starts, then per event of its kinds and per access change. */
function projectSubscription<T>(shape: (event: DomainEvent) => T | null) {
  return async (_: unknown, { projectId }: { projectId: string }, c: GraphqlContext) => {
    const actor = actorIn(c);
    await readProjectFor(c.ctx, actor, projectId, "project:read");
    const pick: EventPick<T> = async (event, current) => {
      // An admin demoted may no longer see a project they are not a member of.
      if (event.type === "user.role_changed" && event.data.userId === current.userId) {
        await stillReadable(c.ctx, current, projectId);
        return "skip";
      }
      if (!("projectId" in event.data) || event.data.projectId !== projectId) return "skip";
      if (event.type === "project.deleted") return "end";
      const payload = shape(event);
      // A change of who may read ends a subscriber that lost access now, not at the next delivery.
      if (payload === null && !changesAccess(event)) return "skip";
      await stillReadable(c.ctx, current, projectId);
      return payload ?? "skip";
    };
    return eventStream(c.ctx.events, actor, pick);
  };
}

const projectUpdate = (event: DomainEvent) => {
  if (event.type !== "project.updated") return null;
  const { project, changedFields } = (event as Of<"project.updated">).data;
  return { projectUpdated: { ...project, changedFields } };
};

const fileChange = (event: DomainEvent) => {
  switch (event.type) {
    case "file.created":
    case "file.updated":
    case "file.renamed": {
      const { file, projectId } = event.data;
      const previousPath = event.type === "file.renamed" ? event.data.previousPath : null;
      return {
        fileChanged: {
          type: event.type,
          projectId,
          fileId: file.id,
          path: file.path,
          file,
          previousPath,
          actorId: event.actorId,
        },
      };
    }
    case "file.deleted": {
      const { projectId, fileId, path } = event.data;
      return {
        fileChanged: {
          type: event.type,
          projectId,
          fileId,
          path,
          file: null,
          previousPath: null,
          actorId: event.actorId,
        },
      };
    }
    default:
      return null;
  }
};

const memberChange = (event: DomainEvent) => {
  switch (event.type) {
    case "member.added":
    case "member.removed":
    case "member.role_changed": {
      const data = event.data as { projectId: string; userId: string; role?: string; previousRole?: string };
      return {
        memberChanged: {
          type: event.type,
          projectId: data.projectId,
          userId: data.userId,
          role: data.role ?? null,
          previousRole: data.previousRole ?? null,
          actorId: event.actorId,
        },
      };
    }
    default:
      return null;
  }
};

/** A refusal when a subscription starts, sent by Mercurius without the error formatter: coded here. */
function coded<A extends unknown[], R>(start: (...args: A) => Promise<R> | R) {
  return async (...args: A): Promise<R> => {
    try {
      return await start(...args);
    } catch (error) {
      throw codedGraphqlError(error);
    }
  };
}

/** Live changes: each fed by the domain event bus (every node's, through Redis when clustered). */
export const subscriptionResolvers: ResolverMap = {
  Subscription: {
    projectUpdated: { subscribe: coded(projectSubscription(projectUpdate)) },
    fileChanged: { subscribe: coded(projectSubscription(fileChange)) },
    memberChanged: { subscribe: coded(projectSubscription(memberChange)) },
    messageAdded: {
      subscribe: coded(
        async (_: unknown, { conversationId }: { conversationId: string }, c: GraphqlContext) => {
          const actor = actorIn(c);
          const { conversation } = await readConversationFor(c.ctx, actor, conversationId, "read");
          return eventStream(c.ctx.events, actor, async (event, current) => {
            const accessChange =
              changesAccess(event) &&
              "projectId" in event.data &&
              event.data.projectId === conversation.projectId;
            const message = event.type === "message.created" && event.data.conversationId === conversationId;
            if (!message && !accessChange) return "skip";
            await readConversationFor(c.ctx, current, conversationId, "read");
            if (event.type !== "message.created") return "skip";
            return {
              messageAdded: { ...event.data.message, editedAt: null, deletedAt: null, reactions: [] },
            };
          });
        },
      ),
    },
    notificationAdded: {
      // A person's own inbox: nothing on the bus; the notification port's emits on this node.
      subscribe: coded((_: unknown, __: unknown, c: GraphqlContext) => {
        const actor = actorIn(c);
        authorizeAccount(actor, "notifications:read");
        return eventStream<{ notificationAdded: unknown }>(c.ctx.events, actor, () => "skip", {
          listen: (push) =>
            c.ctx.notifications.channel.listen({
              emit: (userId, event, payload) => {
                if (userId === actor.userId && event === "notification") push({ notificationAdded: payload });
              },
            }),
        });
      }),
    },
  },
};
