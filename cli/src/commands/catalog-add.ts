import { type AddProposal, CLASS_TYPES } from "@kiln/catalog";
import { type AddRequest, addEntry } from "@kiln/pipeline/catalog-add";
import { formatDiagnostic } from "@kiln/schemas";
import semver from "semver";
import { EXIT_FAILURE, EXIT_OK, UsageError } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";
import { progressReporter } from "../progress.js";
import { ask, canPrompt } from "../prompt.js";

type Options = Omit<AddRequest, "source"> & { json?: boolean };

function summary(
  p: AddProposal,
  file: string,
  licenseFrom: string | undefined,
  example: { written: boolean; note: string | undefined },
): string[] {
  const r = p.report;
  const count = (t: string) => p.entry.classes.filter((c) => c.type === t).length;
  const kinds = CLASS_TYPES.filter((t) => count(t) > 0).map((t) => `${count(t)} ${t}`);
  return [
    `wrote ${file}`,
    `  classes:      ${kinds.join(", ")} (every plugin class the jars provide)`,
    `  licence:      ${p.entry.license}${licenseFrom ? ` (from ${licenseFrom})` : ""}`,
    `  kafka:        ${p.entry.kafka} (proposed: the lines conformance tests; it proves the claim)`,
    `  service_load: ${r.serviceLoad ? "ready (every class has a META-INF/services entry)" : "not ready: workers must scan the plugin (plugin.discovery=hybrid_warn or only_scan)"}`,
    ...(example.written
      ? [
          example.note
            ? `  example:      from the plugin's config definition, not validated (${example.note}; kiln conformance names the cause)`
            : "  example:      from the plugin's config definition, checked on a Connect worker",
        ]
      : []),
    ...r.errors.map((e) => `error: ${e}`),
    ...r.warnings.map((w) => `warning: ${w}`),
  ];
}

/**
 * `--kafka`: a semver range of Kafka versions, as entries claim them. Checked here rather than by
 * the flag's parser, which every command loads: semver would cost each command's start 6 ms.
 */
function kafkaRange(value: string): string {
  if (semver.validRange(value.trim()) === null)
    throw new UsageError(
      `--kafka ${value}: must be a semver range of Kafka versions such as ">=4.2.0 <4.4.0"`,
    );
  return value.trim();
}

/**
 * `kiln catalog add <source>`: Maven coordinates, an https URL or a GitHub release asset
 * become a checked, locked catalog entry in one step. Asks only on a terminal.
 */
export async function run(io: CommandIO, sourceText: string, opts: Options): Promise<number> {
  const { json, ...req } = opts;
  if (req.kafka !== undefined) req.kafka = kafkaRange(req.kafka);
  const outcome = await addEntry(
    { ...req, source: sourceText },
    { cwd: io.cwd ?? process.cwd(), env: io.env, ...(io.signal ? { signal: io.signal } : {}) },
    {
      onProgress: progressReporter(io),
      onLine: (line) => writeLine(io.stderr, line),
      ...(canPrompt(io) ? { ask: (question: string) => ask(io, question) } : {}),
    },
  );
  if (!outcome.written) {
    for (const d of outcome.problems) writeLine(io.stderr, formatDiagnostic(d));
    writeLine(io.stderr, `kiln: ${outcome.file} not written: the entry would make the catalog invalid`);
    return EXIT_FAILURE;
  }
  const { proposal, entry, file, licenseFrom, exampleNote } = outcome;
  if (json) {
    writeLine(
      io.stdout,
      JSON.stringify(
        {
          file,
          entry,
          licenseFrom,
          serviceLoad: proposal.report.serviceLoad,
          warnings: proposal.report.warnings,
          errors: proposal.report.errors,
        },
        null,
        2,
      ),
    );
  } else {
    writeLine(
      io.stdout,
      summary({ ...proposal, entry }, file, licenseFrom, {
        written: Boolean(entry.example),
        note: exampleNote,
      }).join("\n"),
    );
    writeLine(io.stdout, `locked ${entry.name} in ${opts.lockfile ?? "kiln.lock.json"}`);
    writeLine(io.stdout, `next: kiln conformance ${entry.name}, then commit both files and open the PR`);
  }
  return proposal.report.errors.length > 0 ? EXIT_FAILURE : EXIT_OK;
}
