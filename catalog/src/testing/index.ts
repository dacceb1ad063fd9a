export {
  type ClassSpec,
  type FixtureEntry,
  lieAboutSizes,
  makeClassFile,
  makeJar,
  makeTgz,
  makeZip,
  sha1,
  sha512,
} from "./archives.js";
export { FAT_PLUGIN_CLASSES, fatPluginJars, fatPluginTgz } from "./fat-plugin.js";
export { type Handler, LoopbackServer } from "./server.js";
