export { type ServiceProcess, startProcess, waitFor } from "@kiln/runtime";
