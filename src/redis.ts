// `agenttrace/redis`: the Redis budget store, for budgets shared by many processes. A subpath of
// its own so that only users who import it load ioredis (an optional peer dependency).
export * from "./budget/redis.js";
