export {
  type Cell,
  type CellStatus,
  checkListedClasses,
  combine,
  exampleProblems,
  judgeValidation,
  validationErrors,
} from "./evaluate.js";
export { type LocalRuntime, localRuntime } from "./local-runtime.js";
export { type Matrix, type MatrixRow, matrixErrors, matrixMarkdown, testedRange } from "./matrix.js";
export { type ConformanceOptions, type ConformancePlugin, runConformance } from "./runner.js";
export {
  type ConformanceRuntime,
  type PluginPathRow,
  parsePluginPathList,
  type RunningWorker,
} from "./runtime.js";
