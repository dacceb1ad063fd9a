/**
 * A matcher for an artifact's `exclude` globs: `*` and `?` within one path segment, `**`
 * across segments. A pattern without `/` matches a file name in any directory; one with `/`
 * the whole path relative to the archive's root.
 */
export function excludeMatcher(patterns: readonly string[] | undefined): (path: string) => boolean {
  if (!patterns || patterns.length === 0) return () => false;
  const res = patterns.map((p) => {
    const body = p
      .split("**")
      .map((part) =>
        part
          .replace(/[.+^${}()|[\]\\]/g, "\\$&")
          .replace(/\*/g, "[^/]*")
          .replace(/\?/g, "[^/]"),
      )
      .join(".*");
    return new RegExp(p.includes("/") ? `^${body}$` : `(^|/)${body}$`);
  });
  return (path) => res.some((re) => re.test(path));
}
