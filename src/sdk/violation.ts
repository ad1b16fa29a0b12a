// Where agent code meets the SDK's errors; the rule itself lives with the policy errors.
export { violationOf } from "../engine/errors.js";
