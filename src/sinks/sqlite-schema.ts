/**
 * The SQLite sink's tables (schema version 1, kept in `PRAGMA user_version`). Money is stored
 * twice: `cost_units`, the exact integer count of 1e-10 USD that every agenttrace total is made
 * of (sum these), and `cost_usd`, the same amount in dollars for reading. An unpriced call has
 * NULL in both: its cost is unknown, not zero. Times are ISO 8601 UTC strings with milliseconds
 * (`2025-06-01T09:30:00.000Z`), which sort and compare as text.
 */
export const SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id             INTEGER PRIMARY KEY,     -- this database's own key for the run
  run_id         TEXT NOT NULL,           -- the run's id (a random UUID unless given)
  name           TEXT NOT NULL,
  tags           TEXT NOT NULL,           -- the run's tags, a JSON object
  outcome        TEXT NOT NULL,           -- running | completed | tripped | failed | interrupted
  end_reason     TEXT,
  started_at     TEXT,                    -- first call's start
  ended_at       TEXT,                    -- last call's end
  calls          INTEGER,                 -- the rest: the run's summary, once it has ended
  cost_units     INTEGER,
  cost_usd       REAL,
  unpriced_calls INTEGER
);
CREATE TABLE IF NOT EXISTS calls (
  id                    INTEGER PRIMARY KEY,
  run                   INTEGER NOT NULL REFERENCES runs(id),
  seq                   INTEGER NOT NULL, -- 1-based index of the call in its run
  model                 TEXT NOT NULL,
  step                  TEXT,             -- the call's \`step\` tag
  input_tokens          INTEGER NOT NULL, -- uncached input, as the API counts it
  output_tokens         INTEGER NOT NULL,
  cache_read_tokens     INTEGER NOT NULL,
  cache_write_5m_tokens INTEGER NOT NULL,
  cache_write_1h_tokens INTEGER NOT NULL,
  web_search_requests   INTEGER NOT NULL,
  web_fetch_requests    INTEGER NOT NULL,
  service_tier          TEXT,
  speed                 TEXT,
  inference_geo         TEXT,
  cost_units            INTEGER,          -- exact cost in 1e-10 USD; NULL when unpriced
  cost_usd              REAL,             -- cost_units / 1e10; NULL when unpriced
  cost_source           TEXT NOT NULL,    -- computed | given | unpriced
  partial               INTEGER NOT NULL, -- 1 when the call ended early (a stream cut off)
  latency_ms            REAL NOT NULL,
  started_at            TEXT NOT NULL,
  tags                  TEXT NOT NULL,    -- the call's tags, a JSON object
  tools                 TEXT NOT NULL     -- names of the tools the response asked for, JSON
);
CREATE INDEX IF NOT EXISTS calls_started_at ON calls (started_at);
CREATE INDEX IF NOT EXISTS calls_run ON calls (run);
`;

/**
 * Cost and tokens by step for calls started in [`:since`, `:until`), e.g. the last seven days.
 * Calls without a step are grouped as `(no step)`. `cost_usd` is the exact sum converted once.
 */
export const COST_BY_STEP_QUERY = `
SELECT coalesce(step, '(no step)')            AS step,
       count(*)                               AS calls,
       coalesce(sum(cost_units), 0)           AS cost_units,
       coalesce(sum(cost_units), 0) / 1e10    AS cost_usd,
       sum(cost_units IS NULL)                AS unpriced_calls,
       sum(input_tokens + cache_read_tokens
           + cache_write_5m_tokens + cache_write_1h_tokens) AS prompt_tokens,
       sum(output_tokens)                     AS output_tokens
FROM calls
WHERE started_at >= :since AND started_at < :until
GROUP BY 1
ORDER BY cost_units DESC, step;
`.trim();
