import { updatePullRequests } from "@kiln/pipeline/update-prs";
import { EXIT_FAILURE, EXIT_OK } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";

interface Options {
  catalog: string;
  lockfile?: string;
  base: string;
  remote: string;
  conformance?: boolean;
  kafka?: string;
  pre?: boolean;
  json?: boolean;
}

/**
 * `kiln catalog update-prs`: one branch and one pull request per entry with a newer release,
 * updated in place when already open; the user's checkout is never touched.
 */
export async function run(io: CommandIO, names: string[], opts: Options): Promise<number> {
  const { json, kafka, ...rest } = opts;
  const { updates, unchecked } = await updatePullRequests(
    { ...rest, names, ...(kafka ? { kafka: kafka.split(",").map((v) => v.trim()) } : {}) },
    { cwd: io.cwd ?? process.cwd(), env: io.env, ...(io.signal ? { signal: io.signal } : {}) },
    {
      onLine: (line) => writeLine(io.stderr, line),
      onUnchecked: (u) => writeLine(io.stderr, `kiln: ${u.name} not checked: ${u.reason}`),
      onResult: (r) =>
        writeLine(
          io.stderr,
          r.pull
            ? `kiln: ${r.name} ${r.from} → ${r.to}: ${r.pull.created ? "opened" : "updated"} ${r.pull.url}`
            : `kiln: ${r.name} → ${r.to}: ${r.error}`,
        ),
    },
  );
  if (json)
    writeLine(
      io.stdout,
      JSON.stringify(
        {
          updates: updates.map((r) => ({
            name: r.name,
            to: r.to,
            ...(r.pull ? { pull: r.pull.url } : {}),
            ...(r.error ? { error: r.error } : {}),
          })),
          unchecked,
        },
        null,
        2,
      ),
    );
  else if (updates.length === 0) writeLine(io.stdout, "no newer releases: no update PRs");
  else
    for (const r of updates)
      writeLine(io.stdout, `${r.name} → ${r.to}: ${r.pull?.url ?? `failed: ${r.error}`}`);
  return updates.some((r) => r.error) ? EXIT_FAILURE : EXIT_OK;
}
