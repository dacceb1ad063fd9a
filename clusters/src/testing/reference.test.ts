import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { STRIMZI_VERSION } from "@kiln/schemas/versions";
import { describe, expect, it } from "vitest";
import { referenceDir } from "./reference.js";

// The one place that reads ../shared: the workplace lays a copy of its shared/ folder beside
// the checkout (reference CRDs copied from upstream by hand). Where it exists, the CRDs made
// from the pinned artifacts must equal it byte for byte; elsewhere (any other CI) this is skipped.
const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const shared = join(process.env.KILN_SHARED_DIR ?? join(repoRoot, "..", "shared"), "reference");
const present = existsSync(shared);
const SUBDIRS = ["strimzi/crds", "prometheus-operator/crds"];
if (!present) console.warn(`skipping the comparison with ../shared/reference: ${shared} does not exist`);

describe.skipIf(!present)(
  present
    ? `reference CRDs made from pinned artifacts equal ${shared}`
    : `reference CRDs vs ../shared/reference: skipped, ${shared} does not exist`,
  () => {
    it.each(SUBDIRS)("%s: same files, same bytes", (subdir) => {
      const ours = join(referenceDir(), subdir);
      const theirs = join(shared, subdir);
      const names = readdirSync(theirs).sort();
      expect(readdirSync(ours).sort()).toEqual(names);
      for (const name of names)
        expect(
          readFileSync(join(ours, name)).equals(readFileSync(join(theirs, name))),
          `${subdir}/${name} differs`,
        ).toBe(true);
    });
  },
);

describe("the reference CRDs", () => {
  it("are Strimzi's for the release kiln targets", () => {
    const script = readFileSync(new URL("../../../test/reference/fetch.sh", import.meta.url), "utf8");
    expect(script.match(/^STRIMZI_VERSION=(\S+)/m)?.[1]).toBe(STRIMZI_VERSION);
  });
});
