import type { ErrorCode } from "@codepark/protocol";
import type {
  ASTVisitor,
  FieldNode,
  GraphQLField,
  GraphQLNamedType,
  GraphQLOutputType,
  SelectionSetNode,
  ValidationContext,
  ValidationRule,
} from "graphql";
import { graphqlJs } from "./graphql-js.ts";

const { GraphQLError, getNamedType, isListType, isNonNullType, isObjectType, Kind } = graphqlJs;

export interface OperationLimits {
  maxDepth: number;
  maxCost: number;
  maxAliases: number;
}

/** A page argument given as a variable is not known at validation (which is cached per document): assume the largest. */
const MAX_PAGE = 100;
/** A list that is not a page (conversations, event types) is counted as this many. */
const UNPAGED_LIST = 20;
/** Fields that read more than a row: a file's live text. */
const EXTRA_COST: Record<string, number> = { "File.content": 10 };

interface Tally {
  cost: number;
  aliases: number;
  depth: number;
  /** Set once a limit is passed: the walk stops there (a hostile document cannot make it long). */
  over: ErrorCode | null;
}

function pageSize(field: FieldNode, definition: GraphQLField<unknown, unknown>): number {
  const given = field.arguments?.find((argument) => argument.name.value === "limit")?.value;
  if (given?.kind === Kind.INT) return Math.min(Number(given.value), MAX_PAGE);
  if (given) return MAX_PAGE;
  const declared = definition.args.find((argument) => argument.name === "limit")?.defaultValue;
  return typeof declared === "number" ? declared : MAX_PAGE;
}

function multiplier(field: FieldNode, definition: GraphQLField<unknown, unknown>): number {
  const type = definition.type;
  const named = getNamedType(type);
  if (named.name.endsWith("Page")) return pageSize(field, definition);
  const unwrapped: GraphQLOutputType = isNonNullType(type) ? type.ofType : type;
  // A page's `items` was counted by its page.
  if (isListType(unwrapped) && field.name.value !== "items") return UNPAGED_LIST;
  return 1;
}

/**
 * Walks one operation with its fragments expanded: each field costs 1 (more for the few that read a
 * lot), times the page sizes it sits under; depth counts nested fields; aliases are counted.
 */
function walk(
  context: ValidationContext,
  limits: OperationLimits,
  parent: GraphQLNamedType,
  selections: SelectionSetNode,
  depth: number,
  factor: number,
  tally: Tally,
  fragmentPath: Set<string>,
): void {
  for (const selection of selections.selections) {
    if (tally.over) return;
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const name = selection.name.value;
      const fragment = context.getFragment(name);
      // A cycle is reported by graphql's own rule; here it only must not recurse forever.
      if (!fragment || fragmentPath.has(name)) continue;
      const type = context.getSchema().getType(fragment.typeCondition.name.value) ?? parent;
      walk(
        context,
        limits,
        type,
        fragment.selectionSet,
        depth,
        factor,
        tally,
        new Set([...fragmentPath, name]),
      );
      continue;
    }
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const typeName = selection.typeCondition?.name.value;
      const type = (typeName && context.getSchema().getType(typeName)) || parent;
      walk(context, limits, type, selection.selectionSet, depth, factor, tally, fragmentPath);
      continue;
    }
    if (selection.alias) tally.aliases += 1;
    if (tally.aliases > limits.maxAliases) tally.over = "too_many_aliases";
    const here = depth + 1;
    tally.depth = Math.max(tally.depth, here);
    if (here > limits.maxDepth) tally.over = "query_too_deep";
    if (!isObjectType(parent)) continue;
    const definition = parent.getFields()[selection.name.value];
    if (!definition) continue;
    tally.cost += factor * (1 + (EXTRA_COST[`${parent.name}.${definition.name}`] ?? 0));
    if (tally.cost > limits.maxCost) tally.over = "query_too_complex";
    if (selection.selectionSet) {
      const next = factor * multiplier(selection, definition);
      walk(
        context,
        limits,
        getNamedType(definition.type),
        selection.selectionSet,
        here,
        next,
        tally,
        fragmentPath,
      );
    }
  }
}

const messages: Record<string, (limits: OperationLimits) => string> = {
  too_many_aliases: (l) => `The operation uses more than ${l.maxAliases} aliases`,
  query_too_deep: (l) => `The operation nests fields deeper than ${l.maxDepth} levels`,
  query_too_complex: (l) =>
    `The operation may cost more than ${l.maxCost} (each field 1, times the page sizes above it); ask for smaller pages or fewer fields`,
};

/** A validation rule refusing operations over the depth, cost and alias limits, each with its stable code. */
export function operationLimitsRule(limits: OperationLimits): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const root =
        operation.operation === "query"
          ? context.getSchema().getQueryType()
          : operation.operation === "mutation"
            ? context.getSchema().getMutationType()
            : context.getSchema().getSubscriptionType();
      if (!root) return;
      const tally: Tally = { cost: 0, aliases: 0, depth: 0, over: null };
      walk(context, limits, root, operation.selectionSet, 0, 1, tally, new Set());
      if (tally.over) {
        context.reportError(
          new GraphQLError(messages[tally.over]!(limits), {
            nodes: [operation],
            extensions: { code: tally.over },
          }),
        );
      }
    },
  });
}
