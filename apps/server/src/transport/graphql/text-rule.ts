import type { ASTVisitor, ValidationContext, ValidationRule } from "graphql";
import { graphqlJs } from "./graphql-js.ts";

const { GraphQLError } = graphqlJs;

/**
 * REST's text guard (transport/http/text-guard.ts) checks the JSON body, which holds the variables;
 * a string literal in the document is decoded by the GraphQL parser, so "\u0000" written there is
 * refused here, with the same code, before any resolver hands it to PostgreSQL.
 */
export const unstorableTextRule: ValidationRule = (context: ValidationContext): ASTVisitor => ({
  StringValue(node) {
    if (!node.value.includes("\u0000") && node.value.isWellFormed()) return;
    context.reportError(
      new GraphQLError("Text may not contain NUL (U+0000) or unpaired surrogate characters", {
        nodes: [node],
        extensions: { code: "validation_failed" },
      }),
    );
  },
});
