import {
  type FragmentDefinitionNode,
  GraphQLInt,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  valueFromAST,
} from "graphql";

/** What a query costs by GitHub's documented rule, and how many nodes it may return. */
export interface QueryCost {
  /** Requests needed to fill every connection at its `first`/`last` size. */
  requests: number;
  /** Points charged: `round(requests / 100)`, at least 1. */
  cost: number;
  /** Most nodes the query can return (sum over connections of the product of the sizes above and its own). */
  nodes: number;
}

/**
 * GitHub's published rate-limit formula for GraphQL: count the requests needed to fulfil every
 * connection (a connection nested under connections of sizes a, b counts a·b requests), divide by 100,
 * round, with a minimum of 1 point. Worked example in GitHub's docs: repositories(first: 100) >
 * issues(first: 50) > labels(first: 60) = 1 + 100 + 5000 = 5101 requests, 51 points.
 */
export function queryCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Readonly<Record<string, unknown>>,
): QueryCost {
  const total = { requests: 0, nodes: 0 };
  const root = schema.getRootType(operation.operation);
  if (root) walk(root, operation.selectionSet, 1, new Set());
  return {
    requests: total.requests,
    cost: Math.max(1, Math.round(total.requests / 100)),
    nodes: total.nodes,
  };

  function walk(
    type: GraphQLNamedType,
    selections: SelectionSetNode,
    multiplier: number,
    seen: Set<string>,
  ): void {
    for (const selection of selections.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        if (condition) walk(condition, selection.selectionSet, multiplier, seen);
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        const condition = fragment && schema.getType(fragment.typeCondition.name.value);
        if (fragment && condition && !seen.has(name)) {
          walk(condition, fragment.selectionSet, multiplier, new Set([...seen, name]));
        }
      } else if (selection.selectionSet && (isObjectType(type) || isInterfaceType(type))) {
        const field = type.getFields()[selection.name.value];
        if (!field) continue;
        const fieldType = getNamedType(field.type);
        let inner = multiplier;
        if (fieldType.name.endsWith("Connection")) {
          const size = (selection.arguments ?? []).find(
            (a) => a.name.value === "first" || a.name.value === "last",
          );
          const n = size ? valueFromAST(size.value, GraphQLInt, variables) : undefined;
          const count = typeof n === "number" && n > 0 ? n : 0;
          total.requests += multiplier;
          inner = multiplier * count;
          total.nodes += inner;
        }
        walk(fieldType, selection.selectionSet, inner, seen);
      }
    }
  }
}
