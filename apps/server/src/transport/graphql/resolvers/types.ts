import type { GraphqlContext } from "../context.ts";

/** A resolver as Mercurius calls it: parent, arguments, our context. */
// biome-ignore lint/suspicious/noExplicitAny: arguments are shaped by the SDL, checked there
export type Resolver<Parent = unknown, Args = any> = (
  parent: Parent,
  args: Args,
  context: GraphqlContext,
) => unknown;

export type ResolverMap = Record<
  string,
  Record<string, Resolver | { subscribe: Resolver; resolve?: Resolver }>
>;
