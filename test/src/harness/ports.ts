export { freePort } from "@kiln/connectors/runtime";
