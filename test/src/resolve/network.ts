import { homedir } from "node:os";
import { join } from "node:path";
import { request } from "undici";

/** The kiln cache real-peer suites share across runs, so reruns download nothing. */
export const TEST_KILN_CACHE = join(process.env.HOME || homedir(), ".cache", "kiln-test", "kiln");

/**
 * Fails loudly (never skips) when Maven Central cannot be reached: these
 * suites test against the real repository, and a silent skip would hide that.
 */
export async function requireMavenCentral(): Promise<void> {
  const url = "https://repo1.maven.org/maven2/org/apache/kafka/connect-file/maven-metadata.xml";
  try {
    const res = await request(url, { method: "GET", headersTimeout: 15_000, bodyTimeout: 15_000 });
    await res.body.dump();
    if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
  } catch (err) {
    throw new Error(
      `NETWORK REQUIRED: this suite resolves real catalog entries from Maven Central and could not reach it (${String(err)})`,
    );
  }
}
