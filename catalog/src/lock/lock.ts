import type { ConnectorPlugin } from "@kiln/schemas";
import { KilnError, parseSourceDocument, SpecError, validateDocument, validator } from "@kiln/schemas";
import { isKafkaProvided } from "../kafka-provided.js";
import { contentDigest, planPlugin } from "./plan.js";
import { isTransitive, pinnedFileOf, repositoryOf, sourceOf } from "./sources.js";
import type { LockedArtifact, PinnedFile } from "./types.js";

export const LOCKFILE_VERSION = 1;
export const LOCKFILE_NAME = "kiln.lock.json";

export interface LockedPlugin {
  version: string;
  artifacts: LockedArtifact[];
  /** Content digest of the plugin directory in the default layout. */
  digest: string;
}

export interface Lockfile {
  lockfileVersion: typeof LOCKFILE_VERSION;
  plugins: Record<string, LockedPlugin>;
}

export class LockError extends KilnError {}

function sortKeys(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) return value.map((v) => sortKeys(v));
  // File modes read as people write them: "0644", "0755", "120777".
  if (key === "mode" && typeof value === "number") return value.toString(8).padStart(4, "0");
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k], k)]),
    );
  }
  return value;
}

/** Turns the lock's octal mode strings back into numbers. */
function readModes(lock: Lockfile): Lockfile {
  for (const p of Object.values(lock.plugins)) {
    for (const a of p.artifacts ?? []) {
      for (const f of a.files ?? []) {
        for (const c of f.contents ?? []) {
          if (typeof c.mode === "string") c.mode = Number.parseInt(c.mode, 8);
        }
      }
    }
  }
  return lock;
}

/** The lock as text: keys sorted at every level, two-space indent, one trailing newline. Pure and stable. */
export function serializeLock(lock: Lockfile): string {
  return `${JSON.stringify(sortKeys(lock), null, 2)}\n`;
}

/** Largest lock kiln reads (the lock lists every file of every archive). */
export const LOCKFILE_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Parses a lock file as the untrusted input it is (it comes from a pull request like any other
 * file): it must be JSON that kiln.lock.json's schema accepts — catalog names, plain file
 * names, relative paths inside the plugin directory, https URLs without credentials, digests.
 * Throws a located SpecError with every finding.
 */
export function parseLock(input: string, file = LOCKFILE_NAME): Lockfile {
  const text = input.startsWith("\uFEFF") ? input.slice(1) : input;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    const message = (cause as Error).message;
    const at = Number(/at position (\d+)/.exec(message)?.[1] ?? Number.NaN);
    const before = Number.isFinite(at) ? text.slice(0, at).split("\n") : undefined;
    throw new LockError(`not valid JSON (${message.replace(/^JSON\.parse: /, "")})`, {
      location: {
        file,
        ...(before ? { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 } : {}),
      },
      cause,
    });
  }
  const version = (value as { lockfileVersion?: unknown } | null)?.lockfileVersion;
  // Only a whole number is quoted back: any other value goes to the schema's located finding,
  // which never prints what it holds (it may be a secret pasted in the wrong place).
  if (value && typeof value === "object" && Number.isSafeInteger(version) && version !== LOCKFILE_VERSION) {
    throw new LockError(`a version ${version} lock file; this kiln reads version ${LOCKFILE_VERSION}`, {
      location: { file },
    });
  }
  // The fast path for a valid lock; the located (slower) parse only to say what is wrong.
  if (validator("Lockfile")(value)) return readModes(value as Lockfile);
  const diagnostics = validateDocument(
    "Lockfile",
    parseSourceDocument(text, file, { maxBytes: LOCKFILE_MAX_BYTES }),
  );
  if (diagnostics.length === 0) throw new LockError("not a kiln lock file", { location: { file } });
  throw new SpecError(diagnostics);
}

export function emptyLock(): Lockfile {
  return { lockfileVersion: LOCKFILE_VERSION, plugins: {} };
}

/**
 * Why a locked plugin does not pin what the catalog entry says (empty when it does). Every
 * field that reaches the plugin directory or an image is held to what the catalog derives:
 * the version; each artifact's identity, repository and auth variable; its file's name, URL,
 * sha512 and whether it is unpacked; no extra files except for transitive Maven artifacts
 * (whose extra files must come from the same repository and be named as their URL says);
 * and the content digest recomputed from the listed files. Pure.
 */
export function lockProblems(entry: ConnectorPlugin, locked: LockedPlugin | undefined): string[] {
  if (!locked) return [`${entry.name}: not in the lock`];
  const out: string[] = [];
  if (locked.version !== entry.version)
    out.push(`${entry.name}: version ${entry.version} in the catalog, ${locked.version} in the lock`);
  if (locked.artifacts.length !== entry.artifacts.length) {
    out.push(
      `${entry.name}: ${entry.artifacts.length} artifacts in the catalog, ${locked.artifacts.length} in the lock`,
    );
  }
  entry.artifacts.forEach((a, i) => {
    const l = locked.artifacts[i];
    if (!l) return;
    const src = sourceOf(a);
    const what = `${entry.name}: artifact ${i + 1}`;
    if (l.source !== src.source) out.push(`${what} is ${src.source} in the catalog, ${l.source} in the lock`);
    if (l.files[0]?.sha512 !== a.sha512) out.push(`${what} (${src.source}) has another sha512 in the lock`);
    if ((l.repository ?? undefined) !== src.repository) out.push(`${what} repository differs`);
    if ((l.authEnv ?? undefined) !== src.authEnv) out.push(`${what} authEnv differs`);
    out.push(...fileProblems(what, a, l));
    if (JSON.stringify(l.files[0]?.exclude ?? []) !== JSON.stringify(a.exclude ?? []))
      out.push(`${what} excludes other files in the lock`);
  });
  if (out.length === 0) {
    try {
      const digest = contentDigest(planPlugin(locked.artifacts.flatMap((a) => a.files)));
      if (digest !== locked.digest)
        out.push(`${entry.name}: digest ${locked.digest} does not match its files (${digest})`);
    } catch (err) {
      out.push(`${entry.name}: ${(err as Error).message}`);
    }
  }
  return out;
}

/** The files of one locked artifact against what its catalog artifact calls for. */
function fileProblems(what: string, a: ConnectorPlugin["artifacts"][number], l: LockedArtifact): string[] {
  const out: string[] = [];
  let pinned: ReturnType<typeof pinnedFileOf>;
  try {
    pinned = pinnedFileOf(a);
  } catch (err) {
    return [`${what}: ${(err as Error).message}`];
  }
  const [main, ...extra] = l.files;
  if (!main) return [`${what} lists no files`];
  if (main.fileName !== pinned.fileName)
    out.push(
      `${what} is laid out as ${pinned.fileName}, but the lock names it ${JSON.stringify(main.fileName)}`,
    );
  if (main.url !== pinned.url) out.push(`${what} comes from ${pinned.url}, but the lock says ${main.url}`);
  if ((main.unpack ?? undefined) !== pinned.unpack)
    out.push(
      `${what} is ${pinned.unpack ? `unpacked as ${pinned.unpack}` : "copied as a file"} by the catalog, ${main.unpack ? `unpacked as ${main.unpack}` : "copied as a file"} by the lock`,
    );
  if (main.kafkaProvided) out.push(`${what}: the lock marks the artifact itself as provided by Kafka`);
  out.push(...shapeProblems(what, main));
  if (!isTransitive(a)) {
    if (extra.length > 0)
      out.push(
        `${what} is one file in the catalog, but the lock adds ${extra.length} more (${extra.map((f) => JSON.stringify(f.fileName)).join(", ")})`,
      );
    return out;
  }
  // Transitive dependencies: the lock is what pins them, but they must come from the artifact's
  // own repository and be laid out as the file their URL names.
  const repo = `${repositoryOf(l.repository)}/`;
  for (const f of extra) {
    const name = JSON.stringify(f.fileName);
    if (!f.url.startsWith(repo)) out.push(`${what}: dependency ${name} is not from the repository ${repo}`);
    else if (f.url.split("/").pop() !== f.fileName)
      out.push(`${what}: dependency ${name} does not match its URL ${f.url}`);
    if (f.unpack) out.push(`${what}: dependency ${name} must be copied, not unpacked`);
    if (Boolean(f.kafkaProvided) !== isKafkaProvided(f.fileName))
      out.push(
        `${what}: dependency ${name} is ${f.kafkaProvided ? "" : "not "}marked as provided by Kafka, which it ${isKafkaProvided(f.fileName) ? "is" : "is not"}`,
      );
    out.push(...shapeProblems(what, f));
  }
  return out;
}

/** An archive lists what it unpacks to; a copied file its sha256. */
function shapeProblems(what: string, f: PinnedFile): string[] {
  if (f.kafkaProvided) return [];
  const name = JSON.stringify(f.fileName);
  if (f.unpack && !f.contents) return [`${what}: archive ${name} lists no contents`];
  if (!f.unpack && f.contents) return [`${what}: ${name} is not an archive but lists contents`];
  if (!f.unpack && !f.sha256) return [`${what}: ${name} has no sha256`];
  return [];
}

/**
 * The lock the catalog calls for, as far as it is known without resolving:
 * plugins that still match are kept, others become what the catalog pins,
 * marked unresolved. Its serialization is diffed against the file by `--check`.
 */
export function expectedLock(entries: readonly ConnectorPlugin[], previous: Lockfile): Lockfile {
  const plugins: Record<string, LockedPlugin> = {};
  for (const e of [...entries].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const old = previous.plugins[e.name];
    if (old && lockProblems(e, old).length === 0) {
      plugins[e.name] = old;
      continue;
    }
    plugins[e.name] = {
      version: e.version,
      artifacts: e.artifacts.map((a) => {
        const src = sourceOf(a);
        return {
          ...src,
          files: [{ fileName: "(not resolved: run kiln lock)", url: src.url, size: 0, sha512: a.sha512 }],
        };
      }),
      digest: "(not resolved: run kiln lock)",
    };
  }
  return { lockfileVersion: LOCKFILE_VERSION, plugins };
}

/** A unified-style line diff (`-` lock file, `+` catalog) with `context` lines around each change. */
export function diffLines(actual: string, expected: string, context = 2): string {
  const a = actual.split("\n");
  const b = expected.split("\n");
  // Trim the common head and tail so the LCS table stays small.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const x = a.slice(start, endA);
  const y = b.slice(start, endB);
  const n = x.length;
  const m = y.length;
  if (n * m > 25_000_000) {
    return [...x.map((l) => `-${l}`), ...y.map((l) => `+${l}`)].join("\n");
  }
  // lcs(i, j): longest common subsequence of x[i..] and y[j..], in one flat table.
  const w = m + 1;
  const table = new Int32Array((n + 1) * w);
  const lcs = (i: number, j: number) => table[i * w + j] as number;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i * w + j] = x[i] === y[j] ? lcs(i + 1, j + 1) + 1 : Math.max(lcs(i + 1, j), lcs(i, j + 1));
    }
  }
  const ops: Array<[" " | "-" | "+", string]> = [];
  for (let k = Math.max(0, start - context); k < start; k++) ops.push([" ", a[k] as string]);
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) {
      ops.push([" ", x[i++] as string]);
      j++;
    } else if (i < n && (j === m || lcs(i + 1, j) >= lcs(i, j + 1))) ops.push(["-", x[i++] as string]);
    else ops.push(["+", y[j++] as string]);
  }
  for (let k = endA; k < Math.min(a.length, endA + context); k++) ops.push([" ", a[k] as string]);
  // Keep changed lines and their context only; "@@" marks lines left out.
  const keep = ops.map(([op]) => op !== " ");
  const show = ops.map((_, k) => keep.slice(Math.max(0, k - context), k + context + 1).some(Boolean));
  const out: string[] = start - context > 0 ? ["@@"] : [];
  ops.forEach(([op, line], k) => {
    if (show[k]) out.push(`${op}${line}`);
    else if (show[k - 1]) out.push("@@");
  });
  if (endA + context < a.length && out.at(-1) !== "@@") out.push("@@");
  return out.join("\n");
}

export interface LockCheck {
  ok: boolean;
  problems: string[];
  diff: string;
}

/** `kiln lock --check`: does the lock pin exactly what the catalog says? Pure; no download. */
export function checkLock(entries: readonly ConnectorPlugin[], lock: Lockfile, lockText: string): LockCheck {
  const problems = entries.flatMap((e) => lockProblems(e, lock.plugins[e.name]));
  const names = new Set(entries.map((e) => e.name));
  for (const name of Object.keys(lock.plugins).sort()) {
    if (!names.has(name)) problems.push(`${name}: in the lock but not in the catalog`);
  }
  const expected = serializeLock(expectedLock(entries, lock));
  if (expected !== lockText && problems.length === 0)
    problems.push("the lock file is not in kiln's canonical form");
  return {
    ok: problems.length === 0,
    problems,
    diff: problems.length === 0 ? "" : diffLines(lockText, expected),
  };
}
