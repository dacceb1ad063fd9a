import { Command, CommanderError, Option } from "commander";
import { startDeadline } from "./deadline.js";
import { EXIT_USAGE, reportError } from "./exit.js";
import type { CommandIO } from "./io.js";
import {
  dnsLabel,
  fileGlob,
  kafkaVersion,
  kafkaVersions,
  nameList,
  oneOf,
  parseDuration,
  registryHost,
  repeatable,
  wholeNumber,
} from "./options.js";
import { versionText } from "./product.js";

/** `--timeout` on a verb that talks to the network: one overall limit, with a default that fits the verb. */
function timeout(
  defaultValue: string,
  what = "overall time limit for everything the command sends over the network",
): Option {
  return new Option("--timeout <duration>", `${what} (e.g. 90s, 5m)`)
    .argParser(parseDuration)
    .default(parseDuration(defaultValue), defaultValue);
}

/**
 * Declares every verb and its flags; each verb's code is imported only when it
 * runs, so `kiln --help` stays fast. Returns the exit code.
 */
export async function main(argv: string[], io: CommandIO): Promise<number> {
  let code = 0;
  const run =
    <A extends unknown[]>(load: () => Promise<{ run: (io: CommandIO, ...args: A) => Promise<number> }>) =>
    async (...args: A) => {
      // Commander passes the parsed options second to last; network verbs carry `timeout` (ms).
      const limit = (args.at(-2) as { timeout?: unknown } | undefined)?.timeout;
      if (typeof limit !== "number") {
        code = await (await load()).run(io, ...args);
        return;
      }
      const deadline = startDeadline(limit);
      try {
        const verb = await load();
        code = await deadline.race(verb.run({ ...io, signal: deadline.signal }, ...args));
      } finally {
        deadline.dispose();
      }
    };

  const program = new Command("kiln")
    .description(
      "Catalog, bake, render and deploy Kafka Connect plugins and Strimzi clusters from one git repo.",
    )
    .version(
      versionText(),
      "-V, --version",
      "print kiln's version and the Strimzi and Kafka versions it targets",
    )
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError("(run with --help for usage)");

  program
    .command("build")
    .description(
      "the main job: validate, check the lock, resolve, bake plugin and Connect images, render manifests (default: examples/)",
    )
    .argument("[paths...]", "Cluster files or directories")
    .option("--catalog <dir>", "catalog directory", "catalog/connectors")
    .option("--lockfile <file>", "lock file (default: kiln.lock.json)")
    .option("--out <dir>", "where the OCI layout, SBOMs, manifests and summary go", "out")
    .option("--push <registry>", "also push every image to this registry (e.g. ghcr.io/acme)")
    .option(
      "--insecure-registry <host:port...>",
      "a registry spoken to over plain http (repeatable)",
      repeatable(registryHost),
    )
    .option("--registry-ca <file>", "extra CA bundle (PEM) for registries")
    .option("--json", "machine-readable summary")
    .addOption(timeout("30m"))
    .action(run(() => import("./commands/build.js")));

  program
    .command("conformance")
    .description(
      "prove catalog entries on real Kafka Connect workers, per Kafka version; write the compatibility matrix",
    )
    .argument("[names...]", "catalog entries (default: all)")
    .option("--kafka <versions>", "comma-separated Kafka versions (default: 4.2.0,4.3.1)", kafkaVersions)
    .option("--systems <file>", "YAML/JSON: entry → config overlay for external systems that are available")
    .option("--catalog <dir>", "catalog directory", "catalog/connectors")
    .option("--lockfile <file>", "lock file (default: kiln.lock.json)")
    .option("--out <dir>", "where matrix.json and matrix.md go", "out/conformance")
    .option("--keep-logs", "keep each Connect worker's log and the plugin scan in <out>/logs")
    .option("--json", "print the matrix as JSON")
    .addOption(timeout("60m"))
    .action(run(() => import("./commands/conformance.js")));

  program
    .command("pr")
    .description(
      "check what a pull request changes in the catalog; report to GitHub when GITHUB_TOKEN is set",
    )
    .option("--base <ref>", "base ref of the PR (default: origin/$GITHUB_BASE_REF, else origin/main)")
    .option("--catalog <dir>", "catalog directory", "catalog/connectors")
    .option("--summary <file>", "where to write the markdown summary", "out/pr-summary.md")
    .option("--lockfile <file>", "lock file (default: kiln.lock.json)")
    .option("--conformance", "also run conformance for the changed entries on real Connect workers")
    .option("--kafka <versions>", "Kafka versions for --conformance (default: 4.2.0,4.3.1)", kafkaVersions)
    .option(
      "--insecure-registry <host:port...>",
      "a registry spoken to over plain http, for the base images whose digests are predicted (repeatable)",
      repeatable(registryHost),
    )
    .option("--registry-ca <file>", "extra CA bundle (PEM) for registries")
    .option("--json", "machine-readable report")
    .addOption(timeout("60m"))
    .action(run(() => import("./commands/pr.js")));

  program
    .command("init")
    .description(
      "scaffold a platform repository: catalog, clusters, connectors, lock, GitHub workflows, README (refuses to overwrite)",
    )
    .argument("[dir]", "where (default: the current directory)")
    .option("--starter", "start the catalog with kiln's vetted entries and their lock")
    .option("--force", "add only what is missing; every existing file is kept")
    .option(
      "--package <spec>",
      "where the workflows install kiln from (tarball URL or path, or your registry's name); default: the KILN_PACKAGE variable",
    )
    .option("--json", "machine-readable output")
    .action(run(() => import("./commands/init.js")));

  program
    .command("validate")
    .description("validate catalog entries, cluster and connector files (default: the catalog)")
    .argument("[paths...]", "files or directories to validate")
    .option("--catalog <dir>", "catalog directory", "catalog/connectors")
    .option("--json", "machine-readable output")
    .action(run(() => import("./commands/validate.js")));

  program
    .command("render")
    .description(
      "render a Cluster file into Strimzi manifests (sorted YAML per component, kustomization, DR runbook)",
    )
    .argument("<cluster-file>", "the Cluster definition")
    .requiredOption("--out <dir>", "output directory")
    .option("--image <name=ref...>", "baked image of a Connect cluster, pinned by digest (repeatable)")
    .option(
      "--peer <cluster-file...>",
      "the other Cluster file of a DR pair: checks MirrorMaker 2 against both sides' NetworkPolicies",
    )
    .option("--json", "machine-readable output")
    .action(run(() => import("./commands/render.js")));

  program
    .command("up")
    .description(
      "run Cluster files on loopback, secured as rendered: KRaft nodes, certificates, users, ACLs and quotas (needs Java 17+ JDK, openssl)",
    )
    .argument(
      "<cluster-files...>",
      "Cluster definitions (both files of a DR pair resolve each other's names)",
    )
    .option("--state <dir>", "where certificates, data, logs and client configs go", ".kiln/local")
    .option(
      "--scale <n|name=n...>",
      "at most this many replicas per node pool and Connect cluster, or for the one named (repeatable)",
    )
    .option(
      "--secrets <dir>",
      "Secrets the clusters reference but no operator creates: <dir>/<namespace>/<secret>/<key>",
    )
    .option(
      "--classpath <path...>",
      "extra jars or directories for the nodes (custom authenticators, authorizers)",
    )
    .option(
      "--add-host <name=ip...>",
      "a service outside the clusters the nodes reach (an authorization server, OPA) on a loopback address",
    )
    .option(
      "--image <name=ref...>",
      "baked image of a Connect cluster, pinned by digest: its plugins are read from the registry",
    )
    .option(
      "--insecure-registry <host:port...>",
      "registries spoken to over plain http",
      repeatable(registryHost),
    )
    .option(
      "--timeout <duration>",
      "how long nodes and workers may take to start (default: 3m)",
      parseDuration,
    )
    .option(
      "--audit-log",
      "log every authorization decision and the ACL that decided it (in each node's log)",
    )
    .option("--log <logger=level...>", "a log4j2 logger's level on every node and worker (repeatable)")
    .option("--json", "machine-readable output")
    .action(run(() => import("./commands/up.js")));
  program
    .command("down")
    .description("stop what kiln up started")
    .option("--state <dir>", "the state directory kiln up used", ".kiln/local")
    .option("--keep", "keep certificates, data and logs")
    .option(
      "--cluster <names...>",
      "stop only these clusters (e.g. to lose one region of a DR pair); the rest keep running",
    )
    .action(run(() => import("./commands/down.js")));
  program
    .command("mirror-connectors")
    .description(
      "write a DR target's MirrorMaker 2 connectors as Connector files, for a plain Connect cluster (kiln connectors apply)",
    )
    .argument("<cluster-file>", "the Cluster definition of the replication target")
    .requiredOption("--connect-cluster <name>", "ConnectTarget the connectors run on", dnsLabel)
    .requiredOption("--out <dir>", "directory for the Connector files")
    .option(
      "--connection <alias=bootstrap...>",
      "how the Connect workers reach a cluster (repeatable)",
      repeatable((v: string) => v),
    )
    .option(
      "--client <alias:key=value...>",
      "client setting for a --connection, e.g. security.protocol (repeatable)",
      repeatable((v: string) => v),
    )
    .option(
      "--override <kind:key=value...>",
      "connector setting, kind source|checkpoint|heartbeat (repeatable)",
      repeatable((v: string) => v),
    )
    .option("--heartbeats", "also a MirrorHeartbeatConnector")
    .option(
      "--state <state>",
      "running (default), paused or stopped: e.g. stopped to pause replication after a failover",
    )
    .option(
      "--secrets-namespace <ns>",
      "namespace in ${secrets:…} placeholders (default: the cluster's)",
      dnsLabel,
    )
    .option("--json", "machine-readable output")
    .action(run(() => import("./commands/mirror-connectors.js")));

  const catalog = program
    .command("catalog")
    .description("query the connector catalog, add plugins to it, and keep them up to date");
  catalog
    .command("list")
    .description("list catalog entries")
    .addOption(
      new Option("--type <type>", "only entries of this type").choices(["source", "sink", "both", "other"]),
    )
    .option(
      "--kafka <version>",
      "only entries that support this Kafka version (e.g. 4.3 or 4.3.1)",
      (v: string) => kafkaVersion(v, { minor: true }),
    )
    .option("--catalog <dir>", "catalog directory", "catalog/connectors")
    .option("--json", "machine-readable output")
    .action(run(() => import("./commands/catalog-list.js")));
  catalog
    .command("show")
    .description("show one catalog entry")
    .argument("<name>", "entry name")
    .option("--catalog <dir>", "catalog directory", "catalog/connectors")
    .option("--json", "machine-readable output")
    .action(run(() => import("./commands/catalog-show.js")));
  catalog
    .command("add")
    .description(
      "add a plugin from Maven coordinates, an https URL or a GitHub release asset: download, sha512, inspect, licence, entry, lock",
    )
    .argument(
      "<source>",
      "group:artifact:version[:classifier][@jar|tar.gz|zip], https://…/plugin.tar.gz, or github:owner/repo@tag/asset",
    )
    .option("--name <name>", "catalog name (default: from the artifact)", dnsLabel)
    .option("--title <title>", "title (default: the POM's name)")
    .addOption(
      new Option("--type <type>", "entry type (default: from its connector classes)").choices([
        "source",
        "sink",
        "both",
        "other",
      ]),
    )
    .option("--plugin-version <version>", "plugin version (default: from the source)")
    .option("--kafka <range>", "Kafka range to claim (default: the lines conformance tests)")
    .option("--license <spdx>", "SPDX licence (default: from the POM or the plugin's files)")
    .option("--owners <owners>", "comma-separated owners (default: the catalog's usual owners)", nameList)
    .option(
      "--exclude <glob>",
      "leave these files of the package out of the plugin directory (repeatable)",
      repeatable(fileGlob),
    )
    .option("--transitive", "a Maven jar with its runtime dependencies")
    .option(
      "--example",
      "write an example config from the plugin's config definition (starts a Connect worker; Java 17)",
    )
    .option("--catalog <dir>", "catalog directory", "catalog/connectors")
    .option("--lockfile <file>", "lock file (default: kiln.lock.json)")
    .option("--json", "machine-readable output")
    .addOption(timeout("30m"))
    .action(run(() => import("./commands/catalog-add.js")));
  catalog
    .command("outdated")
    .description("entries with newer releases (exit 0 none, 2 some, 1 error)")
    .argument("[names...]", "catalog entries (default: all)")
    .option("--pre", "count pre-releases (Alpha, Beta, CR, RC) too")
    .option("--catalog <dir>", "catalog directory", "catalog/connectors")
    .option("--json", "machine-readable output")
    .addOption(timeout("10m"))
    .action(run(() => import("./commands/catalog-outdated.js")));
  catalog
    .command("bump")
    .description("move an entry to a newer release: artifacts, sha512s, classes re-inspected, lock updated")
    .argument("<name>", "catalog entry")
    .argument("[version]", "the release (default: the newest kiln catalog outdated finds)")
    .option("--classes", "take the classes the release provides when they differ from the entry's")
    .option("--pre", "the newest release may be a pre-release")
    .option("--catalog <dir>", "catalog directory", "catalog/connectors")
    .option("--lockfile <file>", "lock file (default: kiln.lock.json)")
    .option("--json", "machine-readable output")
    .addOption(timeout("30m"))
    .action(run(() => import("./commands/catalog-bump.js")));
  catalog
    .command("update-prs")
    .description(
      "for every entry with a newer release: a kiln/update/<name> branch with the bump and one PR (updated in place), for a scheduled job",
    )
    .argument("[names...]", "catalog entries (default: all)")
    .option("--base <branch>", "branch the PRs target", "main")
    .option("--remote <name>", "git remote the branches are pushed to", "origin")
    .option("--conformance", "run conformance for each bump and put the matrix in its PR")
    .option("--kafka <versions>", "Kafka versions for --conformance (default: 4.2.0,4.3.1)", kafkaVersions)
    .option("--pre", "count pre-releases too")
    .option("--catalog <dir>", "catalog directory", "catalog/connectors")
    .option("--lockfile <file>", "lock file (default: kiln.lock.json)")
    .option("--json", "machine-readable output")
    .addOption(timeout("90m"))
    .action(run(() => import("./commands/catalog-update-prs.js")));

  program
    .command("bake")
    .description(
      "bake plugins into Kafka Connect images: push, write an OCI layout or docker archive, or load into Docker",
    )
    .argument(
      "[cluster-file]",
      "Cluster file (each connect[] entry is baked); or use --base and --plugin/--plugin-dir",
    )
    .option("--connect <name>", "only this Connect cluster of the file", dnsLabel)
    .option("--base <ref>", "base image (default: connect[].image.base, else Strimzi's Kafka image)")
    .option("--plugin <name...>", "catalog entries to bake (added to the file's)")
    .option(
      "--plugin-dir <name=path...>",
      "use a local plugin directory instead of the catalog and lock (repeatable)",
      repeatable((v: string) => v),
    )
    .option("--push [ref]", "push to ref (bare: connect[].image.repository with a digest tag)")
    .option(
      "--output <spec...>",
      "oci:<dir> | docker-archive:<file> | docker | docker-build (default without --push: oci:out/oci)",
    )
    .option("--platform <os/arch...>", "platforms to keep from a multi-arch base")
    .option("--plan", "predict the digest and the bytes to upload; push nothing")
    .option("--plugin-images <repo>", "also push each plugin as its own image to <repo>/<plugin>:<version>")
    .addOption(new Option("--layout <layout>", "plugin directory layout").choices(["plain", "strimzi"]))
    .addOption(new Option("--compression <c>", "layer compression").choices(["gzip", "zstd"]))
    .option(
      "--level <n>",
      "compression level 0-9 (gzip) or 1-22 (zstd), or auto (default: stored for jars, which are already deflated; 1 otherwise)",
      (v: string) => (v === "auto" ? v : String(wholeNumber(0, 22)(v))),
    )
    .option(
      "--insecure-registry <host:port...>",
      "a registry spoken to over plain http (repeatable)",
      repeatable(registryHost),
    )
    .option("--registry-ca <file>", "extra CA bundle (PEM) for registries")
    .option("--catalog <dir>", "catalog directory", "catalog/connectors")
    .option("--lockfile <file>", "lock file", "kiln.lock.json")
    .option("--out <dir>", "where the SBOM and default OCI layout go", "out")
    .option("--source <url>", "org.opencontainers.image.source (default from GITHUB_* env)")
    .option("--revision <sha>", "org.opencontainers.image.revision (default $GITHUB_SHA)")
    .option("--json", "machine-readable output")
    .addOption(timeout("30m"))
    .action(run(() => import("./commands/bake.js")));
  program
    .command("resolve")
    .description("lay plugins out in the cache from what kiln.lock.json pins; prints their directories")
    .argument("[names...]", "catalog entries (default: all)")
    .addOption(new Option("--layout <layout>", "plugin directory layout").choices(["plugin", "strimzi"]))
    .option("--catalog <dir>", "catalog directory", "catalog/connectors")
    .option("--lockfile <file>", "lock file", "kiln.lock.json")
    .option("--json", "machine-readable output")
    .addOption(timeout("30m"))
    .action(run(() => import("./commands/resolve.js")));
  program
    .command("lock")
    .description("resolve the catalog and write kiln.lock.json; --check verifies it without downloading")
    .argument("[names...]", "catalog entries to re-resolve (default: all)")
    .option("--check", "exit 1 with a diff when the lock does not match the catalog")
    .option("--catalog <dir>", "catalog directory", "catalog/connectors")
    .option("--lockfile <file>", "lock file", "kiln.lock.json")
    .option("--json", "machine-readable output")
    .addOption(timeout("30m"))
    .action(run(() => import("./commands/lock.js")));
  program
    .command("inspect")
    .description("list the classes a plugin's jars provide and check them against its catalog entry")
    .argument("[names...]", "catalog entries")
    .option("--all", "inspect every catalog entry (and warn about conflicts across them)")
    .option("--catalog <dir>", "catalog directory", "catalog/connectors")
    .option("--lockfile <file>", "lock file", "kiln.lock.json")
    .option("--json", "machine-readable output")
    .addOption(timeout("30m"))
    .action(run(() => import("./commands/inspect.js")));

  const connectors = program
    .command("connectors")
    .description("deploy connectors to Kafka Connect clusters over the REST API");
  const connectorsCommon = (c: Command) =>
    c
      .option("--dir <paths...>", "Connector and ConnectTarget files or directories", ["connectors"])
      .option("--cluster <names...>", "only these Connect clusters (ConnectTarget names)")
      .option("--env <env>", "environment overlay to apply (environments.<env>; must be declared)", dnsLabel)
      .option("--catalog <dir>", "catalog directory (used when present)", "catalog/connectors")
      .option("--json", "machine-readable output");
  connectorsCommon(
    connectors
      .command("plan")
      .description("diff the files against live state (exit 0 none, 2 pending, 1 error)"),
  )
    .option("--verbose", "list unchanged connectors too")
    .addOption(timeout("2m"))
    .action(run(() => import("./commands/connectors-plan.js")));
  connectorsCommon(connectors.command("apply").description("apply the plan; deletions only with --prune"))
    .option("--prune", "delete undeclared connectors on clusters whose ownership mode is prune")
    .option("--wait", "wait until connectors and tasks reach their desired state")
    .addOption(
      new Option("--wait-timeout <duration>", "how long --wait waits (e.g. 120, 5m)")
        .argParser(parseDuration)
        .default(120_000, "120s"),
    )
    .option(
      "--concurrency <n>",
      "requests in flight per cluster, 1-256 (default: the target's, or 128)",
      wholeNumber(1, 256),
    )
    .addOption(timeout("15m"))
    .action(run(() => import("./commands/connectors-apply.js")));
  connectorsCommon(connectors.command("status").description("connectors, tasks and worker ids of a cluster"))
    .option("--traces", "print failure traces")
    .addOption(timeout("2m"))
    .action(run(() => import("./commands/connectors-status.js")));
  connectorsCommon(
    connectors.command("restart").description("restart failed connectors and tasks (or the named ones)"),
  )
    .argument("[names...]", "connectors to restart (default: every failed one)")
    .option("--all", "restart every task, not only failed ones")
    .option("--auto", "keep restarting failed connectors with backoff, up to --max-restarts")
    .option("--max-restarts <n>", "restarts per connector with --auto, 1-100", wholeNumber(1, 100), 3)
    .addOption(timeout("5m", "overall time limit, and how long --auto watches"))
    .action(run(() => import("./commands/connectors-restart.js")));
  connectorsCommon(
    connectors
      .command("offsets")
      .description("get, reset or alter a connector's offsets (stop, back up, change, restore)"),
  )
    .argument("<action>", "get | reset | alter", oneOf(["get", "reset", "alter"]))
    .argument("<connector>", "connector name")
    .option("--file <offsets.json>", "offsets to set, for alter")
    .option("--backup-dir <dir>", "where offset backups are written", ".kiln/offsets-backups")
    .addOption(timeout("5m"))
    .action(run(() => import("./commands/connectors-offsets.js")));
  connectorsCommon(
    connectors.command("drift").description("report drift from the files for scheduled CI (exit 2 on drift)"),
  )
    .addOption(timeout("2m"))
    .action(run(() => import("./commands/connectors-drift.js")));

  const kube = (c: Command) =>
    c
      .argument("<paths...>", "rendered manifests: files or directories (what `kiln render --out` writes)")
      .option("--kubeconfig <file>", "kubeconfig file (default: KUBECONFIG, ~/.kube/config, or in-cluster)")
      .option("--context <name>", "kubeconfig context")
      .option(
        "-n, --namespace <ns>",
        "namespace for objects that name none (default: the context's)",
        dnsLabel,
      )
      .option(
        "--inventory <name>",
        "cluster definition the objects belong to (default: their label, or their Kafka)",
      )
      .option("--json", "machine-readable output");
  kube(
    program
      .command("rollout")
      .description("apply rendered manifests server-side, prune, and wait until ready"),
  )
    .option("--dry-run", "server-side dry run: check everything, store nothing")
    .option("--prune", "delete objects of this inventory that are no longer rendered")
    .option("--force-conflicts", "take over fields owned by other field managers")
    .option(
      "--allow-scale-down",
      "shrink broker pools whose partitions you moved yourself (without a Ready remove-brokers rebalance)",
    )
    .option("--no-wait", "do not wait for Strimzi resources to become ready")
    .addOption(timeout("10m", "overall time limit, readiness waits included"))
    .action(run(() => import("./commands/rollout.js")));
  kube(
    program.command("diff").description("live objects versus rendered manifests (exit 2 when they differ)"),
  )
    .addOption(timeout("5m"))
    .action(run(() => import("./commands/diff.js")));

  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; every other parse failure is a usage error.
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    return reportError(err, io);
  }
}
