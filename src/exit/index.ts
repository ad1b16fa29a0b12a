export { isReportWriteError, ReportWriteError } from "./errors.js";
export { reportOnExit, type ReportOnExitOptions } from "./report-on-exit.js";
export { signalExitCode } from "./signals.js";
export {
  formatRunReport,
  type ExitReport,
  type ReportDestination,
  type ReportFormat,
} from "./writer.js";
