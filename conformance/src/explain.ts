import { causesFor, type LoggedProblem } from "./worker-log.js";

/** A copy of a Kafka jar inside the plugin, as static inspection saw it. */
export interface BundledKafka {
  path: string;
  version: string | undefined;
  /** Within the Kafka range the entry claims. */
  claimedLine: boolean;
  /** Classes Connect loads from this copy rather than the worker's. */
  isolated: readonly string[];
}

export interface ExplainContext {
  /** What the worker (and Kafka's plugin-path tool) logged. */
  problems: readonly LoggedProblem[];
  bundled: readonly BundledKafka[];
  /** The worker's own settings a connector inherits (key.converter, …). */
  workerSettings: Readonly<Record<string, string>>;
  /** The example's own config: a worker setting it overrides is the example's. */
  exampleConfig: Readonly<Record<string, string>>;
  /** The worker's Kafka version. */
  kafka: string;
}

const CLASS = /\b(?:[a-z][\w$]*\.)+[A-Z][\w$]*\b/g;
const LINKAGE =
  /NoSuchMethodError|NoSuchFieldError|NoClassDefFoundError|AbstractMethodError|IncompatibleClassChangeError|ClassCastException|LinkageError|UnsupportedClassVersionError/;

/** `a, b and c` */
function list(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/**
 * Turns a failing cell's reason into one that names the real cause: the root cause the worker
 * logged for each class it mentions; a worker setting (key.converter, …) named as the worker's,
 * not the example's; and, when the cause is a class-loading error and the plugin bundles Kafka
 * jars from a line it does not claim, those jars and what to do about them. Pure.
 */
export function explainReason(reason: string, ctx: ExplainContext): string {
  const parts = [reason];
  const classes = [...new Set(reason.match(CLASS) ?? [])];
  // A logged cause that only repeats the reason (Connect logs the error it answers with) says nothing new.
  const causes = [...new Set(classes.flatMap((c) => causesFor(ctx.problems, c)))].filter(
    (c) => !reason.includes(c.replace(/^[\w.$]+(Exception|Error): /, "")),
  );
  for (const m of reason.matchAll(/\b((?:key|value|header)\.converter)\b/g)) {
    const key = m[1] as string;
    const value = ctx.workerSettings[key];
    if (value && ctx.exampleConfig[key] === undefined) {
      parts.push(
        `${key} is the conformance worker's own setting (${value}), not the example's: Connect resolved that class inside this plugin, which has its own copy of it`,
      );
      break;
    }
  }
  if (causes.length > 0) parts.push(`the worker log says: ${causes.join("; ")}`);
  const foreign = ctx.bundled.filter((b) => !b.claimedLine && b.isolated.length > 0);
  const fromCopy = foreign.filter((b) => classes.some((c) => b.isolated.includes(c)));
  const linkage = causes.some((c) => LINKAGE.test(c) && c.includes("org.apache.kafka"));
  const culprits = fromCopy.length > 0 ? fromCopy : linkage ? foreign : [];
  if (culprits.length > 0) {
    const versions = [...new Set(culprits.map((b) => b.version ?? "unknown"))];
    parts.push(
      `the plugin bundles Kafka ${list(versions)} jars (${list(culprits.map((b) => b.path))}), which Connect loads in place of the worker's Kafka ${ctx.kafka} classes. Fix: pin a release of the plugin built for this Kafka line, leave those jars out (\`exclude\` on the artifact, e.g. ${JSON.stringify(culprits.map((b) => `${(b.path.split("/").pop() ?? b.path).replace(/-\d[\w.+-]*\.jar$/, "")}-*.jar`))}), or narrow the entry's kafka range to the lines it passes on`,
    );
  }
  // A class neither the plugin nor the worker has (a JDBC driver a package leaves out for its licence).
  const missing = new Set(
    [reason, ...causes].flatMap((t) =>
      [...t.matchAll(/(?:NoClassDefFoundError|ClassNotFoundException): ([\w$/.]+)/g)].map((m) =>
        (m[1] as string).replace(/\//g, "."),
      ),
    ),
  );
  for (const cls of [...missing].filter((c) => !c.startsWith("org.apache.kafka.")))
    parts.push(
      `the plugin needs ${cls}, which neither its jars nor the worker have: add the jar that provides it as another artifact of the entry (a JDBC driver, say, by its own Maven coordinates)`,
    );
  return parts.join(" — ");
}
