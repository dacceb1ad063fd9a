export { type ServiceProcess, startProcess, waitFor } from "@kiln/connectors/runtime";
