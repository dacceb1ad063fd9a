import { homedir } from "node:os";
import { join } from "node:path";

/** Where the harness caches downloads and builds between runs (`KILN_TEST_CACHE`, else ~/.cache/kiln-test). */
export function testCacheDir(): string {
  return process.env.KILN_TEST_CACHE ?? join(homedir(), ".cache", "kiln-test");
}
