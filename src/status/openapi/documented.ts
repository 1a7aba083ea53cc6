/**
 * `true` only when a route's value type and its documented schema's type are assignable both
 * ways: `Actual` must fit the schema (constraint), and the schema must add nothing it lacks.
 * Assigning `true` to it makes drift between an interface and its schema a compile error.
 */
export type Exactly<Schema, Actual extends Schema> = [Schema] extends [Actual] ? true : false;
