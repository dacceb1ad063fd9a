export { main } from "./cli.js";
export type { CommandIO } from "./io.js";
