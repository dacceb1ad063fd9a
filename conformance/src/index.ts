export {
  type Cell,
  type CellStatus,
  checkListedClasses,
  combine,
  exampleProblems,
  judgeValidation,
  undeclaredListedClasses,
  validationErrors,
} from "./evaluate.js";
export { exampleConfig, proposeExample, secretPlaceholder } from "./example.js";
export { type BundledKafka, type ExplainContext, explainReason } from "./explain.js";
export { type LocalRuntime, localRuntime } from "./local-runtime.js";
export { type Matrix, type MatrixRow, matrixErrors, matrixMarkdown, testedRange } from "./matrix.js";
export {
  type ConformanceOptions,
  type ConformancePlugin,
  conformancePlugin,
  runConformance,
} from "./runner.js";
export {
  type ConformanceRuntime,
  type PluginPathListing,
  type PluginPathRow,
  parsePluginPathList,
  type RunningWorker,
} from "./runtime.js";
export { causesFor, type LoggedProblem, loggedProblems } from "./worker-log.js";
