/**
 * Runtime schemas for the public domain events (what webhooks deliver), and the catalogue that
 * `GET /api/v1/event-types` publishes as JSON Schema. The TypeScript interfaces in events.ts stay the
 * source of truth (that module is zod-free: the web app imports it); the compiler proves below that
 * every schema here describes exactly its interface.
 */
import { z } from "zod";
import { projectRoles } from "./auth.ts";
import { type DomainEventPayloads, type WebhookEventName, webhookEventNames } from "./events.ts";

const idOf = (what: string) => z.string().describe(`The ${what}'s id`);
const timestamp = z.iso.datetime().describe("ISO-8601 UTC timestamp");
const projectRole = z.enum(projectRoles);

const projectSummary = z.object({
  id: idOf("project"),
  name: z.string(),
  description: z.string(),
  visibility: z.enum(["private", "public"]),
  createdAt: timestamp,
  updatedAt: timestamp,
});

const fileSummary = z
  .object({
    id: idOf("file"),
    projectId: idOf("project"),
    path: z.string().describe("Path inside the project, e.g. src/main.ts"),
    language: z.string(),
    size: z.number().int().min(0).describe("Content size in bytes"),
    updatedAt: timestamp,
  })
  .describe("A file, without its content");

const versionSummary = z
  .object({
    id: idOf("version"),
    fileId: idOf("file"),
    name: z.string().nullable().describe("The name given to a named version, otherwise null"),
    kind: z.enum(["auto", "named", "restore"]),
    size: z.number().int().min(0).describe("Content size in bytes"),
    createdAt: timestamp,
  })
  .describe("A version of a file, without its content");

const messageSummary = z
  .object({
    id: idOf("message"),
    conversationId: idOf("conversation"),
    seq: z
      .number()
      .int()
      .min(1)
      .describe("Position in the conversation: 1, 2, 3… in the order everyone sees"),
    authorId: z.string().nullable().describe("The author's user id; null once the account is deleted"),
    body: z.string().describe("Markdown text"),
    mentions: z.array(z.string()).describe("User ids mentioned with @name"),
    createdAt: timestamp,
  })
  .describe("A chat message");

/** Every schema must be a zod type whose output is the event's payload interface. */
type PayloadSchemas = { [K in WebhookEventName]: z.ZodType<DomainEventPayloads[K]> };

const schemas = {
  "user.created": z.object({
    user: z.object({
      id: idOf("user"),
      email: z.string(),
      name: z.string(),
      role: z.string().describe("Instance role: admin or user"),
    }),
  }),
  "project.created": z.object({ projectId: idOf("project"), project: projectSummary }),
  "project.updated": z.object({
    projectId: idOf("project"),
    changedFields: z.array(z.string()).describe("The fields that changed: name, description, visibility"),
    project: projectSummary.describe("The project after the change"),
  }),
  "project.deleted": z.object({ projectId: idOf("project") }),
  "file.created": z.object({ projectId: idOf("project"), file: fileSummary }),
  "file.updated": z.object({ projectId: idOf("project"), file: fileSummary }),
  "file.renamed": z.object({
    projectId: idOf("project"),
    file: fileSummary,
    previousPath: z.string().describe("The path before the rename"),
  }),
  "file.deleted": z.object({ projectId: idOf("project"), fileId: idOf("file"), path: z.string() }),
  "member.added": z.object({ projectId: idOf("project"), userId: idOf("user"), role: projectRole }),
  "member.removed": z.object({ projectId: idOf("project"), userId: idOf("user") }),
  "member.role_changed": z.object({
    projectId: idOf("project"),
    userId: idOf("user"),
    role: projectRole,
    previousRole: projectRole,
  }),
  "version.created": z.object({ projectId: idOf("project"), fileId: idOf("file"), version: versionSummary }),
  "version.restored": z.object({
    projectId: idOf("project"),
    fileId: idOf("file"),
    versionId: z.string().describe("The version that was restored"),
    savedVersionId: z.string().describe("The version saved from the content the restore replaced"),
  }),
  "message.created": z.object({
    conversationId: idOf("conversation"),
    projectId: z
      .string()
      .nullable()
      .describe("The project whose channel it is; null in a direct conversation"),
    message: messageSummary,
  }),
  "webhook.test": z.object({ webhookId: idOf("webhook") }),
  "webhook.disabled": z.object({
    webhookId: idOf("webhook"),
    ownerId: z.string().describe("The id of the user who owns the webhook"),
    url: z.string(),
    reason: z
      .enum(["gone", "failing"])
      .describe("gone: the endpoint answered 410; failing: deliveries failed for too long"),
  }),
} satisfies PayloadSchemas;

/**
 * `satisfies` only proves each schema's output is assignable to its interface, which lets a schema
 * carry an extra field. This proves type equality in both directions: a field added to, missing from
 * or typed differently in either side makes `_schemasMatchInterfaces` fail to compile, naming the event.
 */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Mismatched = {
  [K in WebhookEventName]: Equals<z.output<(typeof schemas)[K]>, DomainEventPayloads[K]> extends true
    ? Equals<z.input<(typeof schemas)[K]>, DomainEventPayloads[K]> extends true
      ? never
      : K
    : K;
}[WebhookEventName];
const _schemasMatchInterfaces: [Mismatched] extends [never] ? true : Mismatched = true;
void _schemasMatchInterfaces;

/** The payload (`data`) schema of every public event. */
export const eventPayloadSchemas: PayloadSchemas = schemas;

/** One line per event, for the catalogue. */
export const eventDescriptions: { readonly [K in WebhookEventName]: string } = {
  "user.created": "An account was created (sign-up, or by an admin).",
  "project.created": "A project was created; project is its summary.",
  "project.updated": "A project's name, description or visibility changed; changedFields lists which.",
  "project.deleted": "A project was deleted, with its files, versions and memberships.",
  "file.created": "A file was added to a project.",
  "file.updated": "A file's content changed (through the REST API or a collaborative edit).",
  "file.renamed": "A file was moved to a new path; previousPath is where it was.",
  "file.deleted": "A file was removed from a project.",
  "member.added": "A user was added to a project with a role.",
  "message.created": "A chat message was sent in a project channel or a direct conversation.",
  "member.removed": "A user was removed from a project (or left it).",
  "member.role_changed": "A project member's role changed; previousRole is the one they had.",
  "version.created": "A version of a file was saved (automatic checkpoint, named or before a restore).",
  "version.restored": "A file was restored to an earlier version; savedVersionId keeps the replaced content.",
  "webhook.test": "A test delivery, sent only to the webhook it names when its owner asks.",
  "webhook.disabled": "The server switched a webhook off because its endpoint is gone (410) or kept failing.",
};

/** The body of a webhook delivery. */
export interface EventEnvelope<K extends WebhookEventName = WebhookEventName> {
  type: K;
  timestamp: string;
  data: DomainEventPayloads[K];
}

/** The schema of the webhook body `{ type, timestamp, data }` for one event type. */
export function eventEnvelopeSchema<K extends WebhookEventName>(type: K): z.ZodType<EventEnvelope<K>> {
  const data = eventPayloadSchemas[type] as z.ZodType<DomainEventPayloads[K]>;
  return z
    .object({
      type: z.literal(type),
      timestamp: timestamp.describe("When the event happened (ISO-8601 UTC)"),
      data,
    })
    .describe(`Webhook body for ${type}: ${eventDescriptions[type]}`);
}

/** One entry of the published catalogue. */
export const eventType = z.object({
  name: z.enum(webhookEventNames),
  description: z.string(),
  schema: z
    .record(z.string(), z.unknown())
    .describe("JSON Schema (draft 2020-12) of the webhook body for this event"),
});
export type EventTypeInfo = z.infer<typeof eventType>;

let catalogue: EventTypeInfo[] | undefined;

/**
 * Every public event with its description and the JSON Schema (draft 2020-12) of its webhook body.
 * Objects are published open (no `additionalProperties: false`): events may gain fields, and
 * receivers should ignore the ones they do not know. Computed once; callers get fresh copies.
 */
export function eventTypeCatalogue(): EventTypeInfo[] {
  catalogue ??= webhookEventNames.map((name) => ({
    name,
    description: eventDescriptions[name],
    // "input": what a receiver may accept — zod leaves objects open in that mode. The schemas have no
    // transforms or defaults, so input and output are otherwise the same.
    schema: z.toJSONSchema(eventEnvelopeSchema(name), { target: "draft-2020-12", io: "input" }) as Record<
      string,
      unknown
    >,
  }));
  return structuredClone(catalogue);
}
