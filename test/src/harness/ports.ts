export { freePort } from "@kiln/runtime";
