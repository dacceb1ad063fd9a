export { type FixtureEntry, lieAboutSizes, makeJar, makeTgz, makeZip, sha1, sha512 } from "./archives.js";
export { type Handler, LoopbackServer } from "./server.js";
