import { MemoryBudgetStore } from "../../src/budget/memory.js";
import { budgetStoreContract } from "./contract.js";

budgetStoreContract("MemoryBudgetStore", async (clock) => ({
  store: new MemoryBudgetStore({ clock }),
  dispose: async () => undefined,
}));
