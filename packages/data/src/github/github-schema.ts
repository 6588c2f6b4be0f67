import { buildClientSchema, buildSchema, type GraphQLSchema, type IntrospectionQuery } from "graphql";

let sdlSchema: Promise<GraphQLSchema> | undefined;
let introspectionSchema: Promise<GraphQLSchema> | undefined;

/**
 * GitHub's published GraphQL schema (the SDL in @octokit/graphql-schema), built with graphql-js.
 * The published SDL repeats two field definitions (`EnterpriseOwnerInfo.repositoryDeployKeySetting…`),
 * which graphql-js's SDL validation rejects, so it is built with `assumeValidSDL` (the repeat is
 * identical and the last definition wins). Loaded lazily and once: it is 1.2 MB and takes ~0.6 s.
 */
export function loadGithubSchema(): Promise<GraphQLSchema> {
  sdlSchema ??= import("@octokit/graphql-schema").then(({ schema }) =>
    buildSchema(schema.idl, { assumeValidSDL: true }),
  );
  return sdlSchema;
}

/** The same package's introspection JSON, built with `buildClientSchema` (a second published form). */
export function loadGithubIntrospectionSchema(): Promise<GraphQLSchema> {
  introspectionSchema ??= import("@octokit/graphql-schema").then(({ schema }) =>
    buildClientSchema(
      (schema.json as { data?: IntrospectionQuery }).data ?? (schema.json as IntrospectionQuery),
    ),
  );
  return introspectionSchema;
}
