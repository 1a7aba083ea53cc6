import { getTableColumns, getTableName, type SQL, sql } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import type { Db } from "./client.ts";

// A record definition for json_to_recordset cannot say `serial`; the column's plain type can.
const RECORD_TYPE: Record<string, string> = { serial: "integer", bigserial: "bigint" };

/**
 * Inserts many rows with one parameter per chunk: the rows go as one JSON text that the server
 * unpacks (`json_to_recordset`), so neither the driver nor PostgreSQL's 65k-parameter limit sees
 * each value. Every row must set the same columns; the others take their defaults.
 */
export async function bulkInsert<T extends PgTable>(
  db: Db,
  table: T,
  rows: T["$inferInsert"][],
  opts: { chunkRows?: number } = {},
): Promise<void> {
  const [first] = rows;
  if (!first) return;
  const columns = Object.entries(getTableColumns(table)).filter(([key]) => key in first);
  const names = sql.raw(columns.map(([, c]) => `"${c.name}"`).join(", "));
  const record = sql.raw(
    columns
      .map(([, c]) => `"${c.name}" ${RECORD_TYPE[c.getSQLType()] ?? c.getSQLType()}`)
      .join(", "),
  );
  const chunkRows = opts.chunkRows ?? 20_000;
  for (let i = 0; i < rows.length; i += chunkRows) {
    const json = JSON.stringify(
      rows.slice(i, i + chunkRows).map((row) => {
        // safe because drizzle's insert types are records of the table's TS keys
        const values = row as Record<string, unknown>;
        return Object.fromEntries(columns.map(([key, c]) => [c.name, values[key] ?? null]));
      }),
    );
    await db.execute(insertFromJson(getTableName(table), names, record, json));
  }
}

function insertFromJson(table: string, names: SQL, record: SQL, json: string): SQL {
  return sql`insert into ${sql.identifier(table)} (${names}) select ${names} from json_to_recordset(${json}::json) as x(${record})`;
}
