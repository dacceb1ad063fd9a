// Child process of the bake benchmark: one cold bake + push of the plugin set
// named in argv[2] (JSON), reporting its own peak RSS. Run by run.ts.
import { readFileSync } from "node:fs";
import {
  BlobStore,
  bake,
  type PluginSource,
  parseReference,
  pushArtifact,
  RegistryClient,
} from "@kiln/builder";

const [spec] = process.argv.slice(2);
const job = JSON.parse(readFileSync(spec as string, "utf8")) as {
  registry: string;
  base: string;
  target: string;
  cache: string;
  plugins: PluginSource[];
};
const client = new RegistryClient({ insecure: [job.registry] });
const t0 = performance.now();
const r = await bake(client, new BlobStore(job.cache), {
  base: job.base,
  plugins: job.plugins,
  recipe: { compression: "gzip", level: "auto", epoch: 1_700_000_000 },
});
const pushed = await pushArtifact(client, r.artifact, parseReference(job.target));
await client.close();
process.stdout.write(
  `${JSON.stringify({ ms: performance.now() - t0, uploadedBytes: pushed.uploadedBytes, maxRssKb: process.resourceUsage().maxRSS })}\n`,
);
