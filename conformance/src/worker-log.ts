/** One ERROR (or WARN) a Connect worker or Kafka's plugin-path tool logged, with its exception chain. */
export interface LoggedProblem {
  /** The log message itself. */
  message: string;
  /** The innermost cause (`Caused by: …` last), or the exception line when there is no cause. */
  rootCause: string | undefined;
  /** The message, exception and cause lines (stack frames left out), for matching class names. */
  text: string;
}

// kiln's worker layout `[date] LEVEL message (logger)`, and log4j2's default (the plugin-path tool):
// `2026-11-30T23:07:03.45Z main ERROR message`.
const EVENT = /^(?:\[[^\]]+\] (ERROR|WARN) (.*)|\S+Z \S+ (ERROR|WARN) (.*))$/;
const EXCEPTION = /^(?:Caused by: )?[a-z][\w$]*(?:\.[\w$]+)+(?:Error|Exception|Throwable)\b[^\n]*$/;

/**
 * The problems in a worker log, each with its root cause: what explains a failing cell when
 * Connect's own answer only says "Could not instantiate class". Stack frames are dropped;
 * the message, exceptions and `Caused by` lines are kept.
 */
export function loggedProblems(log: string): LoggedProblem[] {
  const out: LoggedProblem[] = [];
  let current: { message: string; causes: string[]; lines: string[] } | undefined;
  const flush = () => {
    if (!current) return;
    const last = current.causes.at(-1);
    out.push({
      message: current.message,
      rootCause: last?.replace(/^Caused by: /, ""),
      text: current.lines.join("\n"),
    });
    current = undefined;
  };
  for (const line of log.split(/\r?\n/)) {
    const m = EVENT.exec(line);
    if (m) {
      flush();
      const message = (m[2] ?? m[4] ?? "").replace(/ \([\w.$]+\)$/, "");
      current = { message, causes: [], lines: [message] };
      continue;
    }
    if (!current) continue;
    if (/^\s+(at |\.\.\. \d+ more)/.test(line)) continue;
    if (EXCEPTION.test(line)) {
      current.causes.push(line);
      current.lines.push(line);
    } else if (line.trim() === "" || line.startsWith("[")) flush();
  }
  flush();
  return out;
}

/** The simple name of a class (`a.b.Outer$Inner` → `Outer$Inner`). */
const simpleName = (cls: string) => cls.slice(cls.lastIndexOf(".") + 1);

/**
 * Root causes the log gives for a class: every problem naming it (fully qualified, or by the
 * simple name Connect's scanner uses: "Unable to instantiate ExtJsonConverter"), deduplicated.
 */
export function causesFor(problems: readonly LoggedProblem[], cls: string): string[] {
  const simple = new RegExp(`(^|[^\\w$.])${simpleName(cls).replace(/\$/g, "\\$")}\\b`);
  const causes = problems
    .filter((p) => p.rootCause && (p.text.includes(cls) || simple.test(p.message)))
    .map((p) => p.rootCause as string);
  return [...new Set(causes)];
}
