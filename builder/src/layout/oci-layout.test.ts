import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { sha256Digest } from "../model/digest.js";
import { MediaType } from "../model/media.js";
import { pluginImage } from "../mutate/plugin-image.js";
import { writeLayout } from "./oci-layout.js";

const data = Buffer.from("a layer");
const image = pluginImage({
  name: "p",
  version: "1",
  epoch: 0,
  layer: {
    descriptor: { mediaType: MediaType.OCI_LAYER_GZIP, digest: sha256Digest(data), size: data.length },
    diffId: sha256Digest("diff"),
    open: async () => Readable.from([data]),
  },
});

describe("writeLayout into a directory that already holds something", () => {
  it("adds to a valid layout, and names an index.json that is not one instead of failing on it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kiln-layout-"));
    await writeLayout(dir, image, { refName: "a" });
    const index = JSON.parse(await readFile(join(dir, "index.json"), "utf8"));
    expect(index.manifests).toHaveLength(1);

    const bad = await mkdtemp(join(tmpdir(), "kiln-layout-"));
    await mkdir(bad, { recursive: true });
    await writeFile(join(bad, "index.json"), "{ not an index");
    await expect(writeLayout(bad, image)).rejects.toThrow(/index\.json: is not an OCI image index/);
    await writeFile(join(bad, "index.json"), '{"manifests": 5}');
    await expect(writeLayout(bad, image)).rejects.toThrow(/is not an OCI image index/);
  });
});
