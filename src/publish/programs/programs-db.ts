import initSqlJs from "sql.js";

// Compiling the WASM module takes about a second: once per process, on first use.
let sqlJs: ReturnType<typeof initSqlJs> | undefined;

/** One row of command-not-found's table: `name` is found in `package`'s `bin/` on `system`. */
export interface ProgramRow {
  name: string;
  system: string;
  /** The attribute path, as `nix-env -iA nixos.<package>` takes it. */
  package: string;
}

// The schema nix-index's nix-channel-index writes; command-not-found runs
// `select package from Programs where system = ? and name = ?` against it.
const SCHEMA = `create table Programs (
  name        text not null,
  system      text not null,
  package     text not null,
  primary key (name, system, package)
);`;

const compare = (a: ProgramRow, b: ProgramRow) =>
  a.name < b.name
    ? -1
    : a.name > b.name
      ? 1
      : a.system < b.system
        ? -1
        : a.system > b.system
          ? 1
          : a.package < b.package
            ? -1
            : a.package > b.package
              ? 1
              : 0;

/**
 * programs.sqlite as bytes. Rows go in sorted, in one transaction, so the same rows always give
 * the same file (the repacked tarball must be reproducible).
 */
export async function buildProgramsDb(rows: Iterable<ProgramRow>): Promise<Uint8Array> {
  sqlJs ??= initSqlJs();
  const SQL = await sqlJs;
  const db = new SQL.Database();
  try {
    db.run(SCHEMA);
    db.run("begin");
    const insert = db.prepare(
      "insert or ignore into Programs (name, system, package) values (?, ?, ?)",
    );
    for (const row of [...rows].sort(compare)) insert.run([row.name, row.system, row.package]);
    insert.free();
    db.run("commit");
    return db.export();
  } finally {
    db.close();
  }
}
