// The SQLite sink is not here: it loads better-sqlite3, an optional peer dependency, so it lives
// at its own entry point (`agenttrace/sqlite`, src/sinks/sqlite.ts).
export { toCallLine } from "./call-line.js";
export { isSinkWriteError, SinkWriteError, type SinkErrorHandler } from "./errors.js";
export { JsonlSink, type JsonlSinkOptions } from "./jsonl.js";
export { attachSink, type AttachSinkOptions, type Sink } from "./sink.js";
export { COST_BY_STEP_QUERY, SQLITE_SCHEMA } from "./sqlite-schema.js";
