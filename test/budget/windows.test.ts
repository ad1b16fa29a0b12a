import { describe, expect, it } from "vitest";

import { isInvalidInputError } from "../../src/errors.js";
import { usdToMoney } from "../../src/money.js";
import {
  budgetPot,
  defineSharedBudget,
  escapeTagValue,
  windowAt,
} from "../../src/budget/windows.js";

const at = (iso: string) => Date.parse(iso);

describe("shared budget keys", () => {
  const daily = defineSharedBudget({
    name: "daily",
    scope: ["tenant"],
    limitUsd: 25,
    window: "day",
  });

  it("names the budget, its scope and its window", () => {
    expect(budgetPot(daily, { tenant: "acme" }, at("2026-12-03T17:45:00Z"))).toEqual({
      key: "agenttrace:budget:daily:tenant=acme:day=2026-12-03",
      limit: usdToMoney(25),
      windowStartsAt: at("2026-12-03T00:00:00Z"),
      windowEndsAt: at("2026-12-04T00:00:00Z"),
      missingTags: [],
    });
  });

  it("orders scope segments as declared and ignores other tags", () => {
    const budget = defineSharedBudget({ name: "b", scope: ["tenant", "user"], limitUsd: 1 });
    const tags = { user: "u1", tenant: "t1", model: "claude" };

    expect(budgetPot(budget, tags, 0)).toEqual({
      key: "agenttrace:budget:b:tenant=t1:user=u1",
      limit: usdToMoney(1),
      missingTags: [],
    });
  });

  it("escapes tag values so no value can forge another pot's key", () => {
    const forged = budgetPot(daily, { tenant: "acme:day=2026-12-04" }, at("2026-12-03T00:00:00Z"));

    expect(forged.key).toBe(
      "agenttrace:budget:daily:tenant=acme%3Aday%3D2026-12-04:day=2026-12-03",
    );
    expect(escapeTagValue("{x} 100%*")).toBe("%7Bx%7D%20100%25%2a");
    expect(escapeTagValue("é")).toBe("%C3%A9");
  });

  it("puts calls without a scope tag in one pot of their own, and says so", () => {
    const pot = budgetPot(daily, {}, at("2026-12-03T00:00:00Z"));

    expect(pot.key).toBe("agenttrace:budget:daily:tenant:day=2026-12-03");
    expect(pot.missingTags).toEqual(["tenant"]);
    expect(budgetPot(daily, { tenant: "" }, 0).key).toContain(":tenant=:");
  });
});

describe("calendar windows (UTC)", () => {
  it("ends an hour on the next hour, across midnight", () => {
    expect(windowAt("hour", at("2026-12-31T23:59:59.999Z"))).toEqual({
      startsAt: at("2026-12-31T23:00:00Z"),
      endsAt: at("2027-01-01T00:00:00Z"),
      label: "hour=2026-12-31T23",
    });
  });

  it("ends a day at the next UTC midnight, leap day included", () => {
    expect(windowAt("day", at("2028-02-29T12:00:00Z"))).toMatchObject({
      endsAt: at("2028-03-01T00:00:00Z"),
      label: "day=2028-02-29",
    });
  });

  it("ends a month on the first of the next, December into January", () => {
    expect(windowAt("month", at("2026-12-03T08:00:00Z"))).toEqual({
      startsAt: at("2026-12-01T00:00:00Z"),
      endsAt: at("2027-01-01T00:00:00Z"),
      label: "month=2026-12",
    });
  });

  it("starts the next window exactly at the previous one's end", () => {
    const end = windowAt("day", at("2026-12-03T10:00:00Z"))!.endsAt;

    expect(windowAt("day", end - 1)!.label).toBe("day=2026-12-03");
    expect(windowAt("day", end)!.label).toBe("day=2026-12-04");
    expect(windowAt("none", end)).toBeUndefined();
  });
});

describe("defineSharedBudget", () => {
  it("defaults to one pot that never starts afresh", () => {
    expect(defineSharedBudget({ name: "all", limitUsd: 0.5 })).toEqual({
      name: "all",
      scope: [],
      limitUsd: 0.5,
      limit: 5_000_000_000,
      window: "none",
    });
  });

  it("reports every problem with its path in one error", () => {
    const input = { name: "my budget", scope: ["tenant", "tenant"], limitUsd: -1, window: "week" };
    let error: unknown;
    try {
      defineSharedBudget(input as never);
    } catch (caught) {
      error = caught;
    }

    expect(isInvalidInputError(error)).toBe(true);
    const message = (error as Error).message;
    expect(message).toMatch(/^invalid shared budget: /);
    expect(message).toContain("name: use only letters, digits");
    expect(message).toContain("limitUsd:");
    expect(message).toContain("window:");
  });

  it("refuses a scope that lists a tag twice", () => {
    expect(() => defineSharedBudget({ name: "b", scope: ["t", "t"], limitUsd: 1 })).toThrow(
      /scope: scope lists a tag key twice/,
    );
  });
});
