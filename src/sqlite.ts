// `agenttrace/sqlite`: the SQLite sink. A subpath of its own so that only users who import it
// load better-sqlite3 (an optional peer dependency).
export * from "./sinks/sqlite.js";
