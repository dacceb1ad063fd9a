import semver from "semver";

// Maven qualifiers that mark a release rather than a pre-release.
const RELEASE_QUALIFIERS = new Set(["final", "ga", "release", "re"]);

const SEMVER_LIKE = /^\s*[v=]*\s*\d+\.\d+\.\d+(?![.\d])/;

/**
 * Normalises a plugin version (Maven style such as `3.3.1.Final`, `2.1.0.CR1`,
 * `1.2`) to semver for comparison; the original string is kept by callers.
 * Returns undefined when the version cannot be understood.
 */
export function normalizeVersion(version: string): string | undefined {
  // semver.valid throws and catches inside for a non-semver string: only ask it about ones that could be.
  const exact = SEMVER_LIKE.test(version) ? semver.valid(version) : null;
  if (exact) return exact;
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[.-]([0-9A-Za-z]+(?:[.-][0-9A-Za-z]+)*))?$/.exec(version);
  if (!m) return undefined;
  const core = `${m[1]}.${m[2] ?? 0}.${m[3] ?? 0}`;
  const qualifier = m[4]?.toLowerCase();
  // A fourth numeric part (1.2.3.4) is a patch of a release, not a pre-release: compare as 1.2.3.
  if (!qualifier || RELEASE_QUALIFIERS.has(qualifier) || /^\d+(\.\d+)*$/.test(qualifier)) {
    return semver.valid(core) ?? undefined;
  }
  // CR1, Beta2, Alpha1, SNAPSHOT… become pre-releases: `2.1.0-cr1`.
  const pre = qualifier.replace(/[^0-9a-z.-]/g, "").replace(/^-+/, "");
  return semver.valid(`${core}-${pre}`) ?? undefined;
}

/** Whether a Kafka version (4.3, 4.3.1) can run a plugin claiming `range`. A major.minor matches any patch. */
export function supportsKafka(range: string, kafka: string): boolean {
  const full = semver.valid(kafka);
  if (full) return semver.satisfies(full, range);
  const mm = /^(\d+)\.(\d+)$/.exec(kafka);
  if (!mm) return false;
  // As numbers: semver refuses leading zeros (`00.0`), which a flag value may carry.
  return semver.intersects(range, `~${Number(mm[1])}.${Number(mm[2])}.0`);
}

// Entries share a handful of Kafka ranges: each is parsed once.
const validRanges = new Map<string, boolean>();

export function isValidRange(range: string): boolean {
  let valid = validRanges.get(range);
  if (valid === undefined) {
    valid = semver.validRange(range) !== null;
    validRanges.set(range, valid);
  }
  return valid;
}
