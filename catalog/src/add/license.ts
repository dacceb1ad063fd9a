// Finding a plugin's licence: from its POM (and the POMs it inherits from), or from what its
// jars and archive carry (an OSGi Bundle-License header, a LICENSE file). Names and URLs are
// mapped to SPDX identifiers; anything not recognised is left for the user to name.

/** SPDX identifiers by the names and URLs publishers write. */
const KNOWN: Array<{ spdx: string; names: RegExp; urls?: RegExp }> = [
  {
    spdx: "Apache-2.0",
    names:
      /apache(\s+software)?\s+licen[cs]e,?\s*(version\s*)?2(\.0)?|^apache-2\.0$|^asl\s*2(\.0)?$|^al\s*2(\.0)?$/i,
    urls: /apache\.org\/licenses\/LICENSE-2\.0|opensource\.org\/licenses\/apache2?\.0/i,
  },
  { spdx: "MIT", names: /^(the\s+)?mit(\s+license)?$/i, urls: /opensource\.org\/licenses\/mit/i },
  { spdx: "BSD-3-Clause", names: /bsd[\s-]*3|new\s+bsd|revised\s+bsd/i, urls: /licenses\/BSD-3-Clause/i },
  { spdx: "BSD-2-Clause", names: /bsd[\s-]*2|simplified\s+bsd/i, urls: /licenses\/BSD-2-Clause/i },
  {
    spdx: "EPL-2.0",
    names: /eclipse\s+public\s+licen[cs]e.*2\.0|^epl[\s-]*2(\.0)?$/i,
    urls: /eclipse\.org\/legal\/epl-2\.0/i,
  },
  {
    spdx: "EPL-1.0",
    names: /eclipse\s+public\s+licen[cs]e.*1\.0|^epl[\s-]*1(\.0)?$/i,
    urls: /eclipse\.org\/legal\/epl-v10/i,
  },
  {
    spdx: "MPL-2.0",
    names: /mozilla\s+public\s+licen[cs]e.*2\.0|^mpl[\s-]*2(\.0)?$/i,
    urls: /mozilla\.org\/MPL\/2\.0/i,
  },
  { spdx: "LGPL-2.1-only", names: /lesser\s+general\s+public\s+licen[cs]e.*2\.1|^lgpl[\s-]*2\.1$/i },
  { spdx: "LGPL-3.0-only", names: /lesser\s+general\s+public\s+licen[cs]e.*3|^lgpl[\s-]*3(\.0)?$/i },
  { spdx: "GPL-2.0-only WITH Classpath-exception-2.0", names: /gpl.*classpath\s+exception/i },
  {
    spdx: "CDDL-1.1",
    names: /common\s+development\s+and\s+distribution\s+licen[cs]e.*1\.1|^cddl[\s-]*1\.1$/i,
  },
  { spdx: "CDDL-1.0", names: /common\s+development\s+and\s+distribution\s+licen[cs]e|^cddl[\s-]*1\.0$/i },
];

/** The SPDX identifier for a licence name or URL, when kiln knows it. */
export function spdxOf(name: string | undefined, url?: string): string | undefined {
  const n = (name ?? "").trim();
  for (const k of KNOWN) if ((n && k.names.test(n)) || (url && k.urls?.test(url))) return k.spdx;
  // An SPDX identifier written as such (Bundle-License: Apache-2.0).
  return /^[A-Za-z0-9.+-]+$/.test(n) && KNOWN.some((k) => k.spdx === n) ? n : undefined;
}

/** The licence a LICENSE file's text states, by the phrases each licence opens with. */
export function spdxOfText(text: string): string | undefined {
  const head = text.slice(0, 4000);
  if (/Apache License\s*\n?\s*Version 2\.0/i.test(head)) return "Apache-2.0";
  if (/Eclipse Public License\s*-?\s*v(ersion)?\s*2\.0/i.test(head)) return "EPL-2.0";
  if (/Mozilla Public License,?\s*(Version|v\.)\s*2\.0/i.test(head)) return "MPL-2.0";
  if (/MIT License|Permission is hereby granted, free of charge/i.test(head)) return "MIT";
  if (/GNU LESSER GENERAL PUBLIC LICENSE\s*\n?\s*Version 2\.1/i.test(head)) return "LGPL-2.1-only";
  if (/Redistribution and use in source and binary forms/i.test(head))
    return /Neither the name/i.test(head) ? "BSD-3-Clause" : "BSD-2-Clause";
  return undefined;
}

/** A `Bundle-License` header (OSGi): an SPDX id, a name, or a URL, possibly with `;link=`. */
export function spdxOfBundleLicense(value: string): string | undefined {
  const first = value.split(",")[0]?.split(";")[0]?.trim() ?? "";
  return /^https?:/.test(first) ? spdxOf(undefined, first) : spdxOf(first);
}

/** Reads `Name: value` headers of a jar manifest (continuation lines start with a space). */
export function manifestHeaders(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let last: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith(" ") && last) out[last] += line.slice(1);
    else {
      const i = line.indexOf(":");
      if (i > 0) {
        last = line.slice(0, i).trim();
        out[last] = line.slice(i + 1).trim();
      }
    }
  }
  return out;
}
