// `npm run pack [-- --out <dir>]`: kiln as one installable npm package, `kiln-<version>.tgz` at
// the repository root (or in <dir>, staged there too). esbuild bundles the CLI with every
// workspace and third-party module it imports (one chunk per verb, loaded when the verb runs),
// so the package has no dependencies and needs nothing else of this repository. Beside the
// bundle: the JSON Schemas (for editors), the Java source `kiln up` compiles, the starter catalog
// and lock (`kiln init --starter`), the README, and a NOTICE with the licence of everything
// bundled. The pack fails when a bundled package's licence is not allowed or its Node.js engines
// do not cover kiln's.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import * as esbuild from "esbuild";
import semver from "semver";

const root = fileURLToPath(new URL("../../", import.meta.url));
const { values: args } = parseArgs({ options: { out: { type: "string" } } });
const destination = args.out ? resolve(args.out) : root;
const stage = args.out ? join(destination, "stage") : join(root, "dist", "npm");
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

/** Licences a bundled package may carry (SPDX ids): permissive ones only. */
const ALLOWED_LICENSES = new Set([
  "Apache-2.0",
  "MIT",
  "ISC",
  "BSD-2-Clause",
  "BSD-3-Clause",
  "0BSD",
  "BlueOak-1.0.0",
  "Unlicense",
]);

// The JSON Schema validators are bundled as the standalone code the schemas build generates
// (the `kiln-bundle` condition of `#validators`), never compiled at run time: build it fresh.
execFileSync("npm", ["run", "build", "--silent", "-w", "@kiln/schemas"], { cwd: root, stdio: "inherit" });

rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });

const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: { kiln: "cli/src/bin.ts" },
  outdir: join(stage, "lib"),
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: `node${semver.minVersion(manifest.engines.node).version}`,
  conditions: ["kiln-bundle", "kiln-src"],
  chunkNames: "[name]-[hash]",
  metafile: true,
  logLevel: "warning",
  // CommonJS modules in an ES module bundle still use require(), __dirname and __filename.
  banner: {
    js: [
      'import { createRequire as __kilnCreateRequire } from "node:module";',
      'import { fileURLToPath as __kilnFileURLToPath } from "node:url";',
      "const require = __kilnCreateRequire(import.meta.url);",
      "const __filename = __kilnFileURLToPath(import.meta.url);",
      'const __dirname = __filename.slice(0, __filename.lastIndexOf("/"));',
    ].join(" "),
  },
  plugins: [
    {
      // ssh2 (Docker over ssh://) loads optional native addons in try/catch and falls back to
      // JavaScript; the package ships no native code, so those requires fail as "absent".
      name: "no-native-addons",
      setup(build) {
        build.onResolve({ filter: /\.node$/ }, (args) => ({ path: args.path, namespace: "native-addon" }));
        build.onLoad({ filter: /.*/, namespace: "native-addon" }, (args) => ({
          contents: `throw new Error(${JSON.stringify(`native addon ${args.path} is not bundled with kiln`)});`,
          loader: "js",
        }));
      },
    },
  ],
});

// Files found at run time beside the bundle: lib/../json (schemas/src/kinds.ts),
// lib/../java (local/src/users.ts compiles it for `kiln up`) and the package root
// (cli/src/product.ts), laid out as in the repository.
cpSync(join(root, "schemas", "json"), join(stage, "json"), { recursive: true });
cpSync(join(root, "local", "java"), join(stage, "java"), { recursive: true });
mkdirSync(join(stage, "catalog"), { recursive: true });
cpSync(join(root, "catalog", "connectors"), join(stage, "catalog", "connectors"), { recursive: true });
cpSync(join(root, "catalog", "license-policy.yaml"), join(stage, "catalog", "license-policy.yaml"));
cpSync(join(root, "kiln.lock.json"), join(stage, "kiln.lock.json"));
cpSync(join(root, "README.md"), join(stage, "README.md"));

const bundled = bundledPackages(result.metafile);
checkBundled(bundled);
writeFileSync(join(stage, "NOTICE"), notice(bundled));
writeFileSync(
  join(stage, "package.json"),
  `${JSON.stringify(
    {
      name: manifest.name,
      version: manifest.version,
      description: manifest.description,
      license: manifest.license,
      type: "module",
      bin: { kiln: "lib/kiln.js" },
      engines: manifest.engines,
    },
    null,
    2,
  )}\n`,
);

const out = execFileSync("npm", ["pack", "--json", "--pack-destination", destination], {
  cwd: stage,
  encoding: "utf8",
  stdio: ["ignore", "pipe", "inherit"],
});
const [packed] = JSON.parse(out);
console.log(
  `${join(destination, packed.filename)}: ${packed.entryCount} files, ${(packed.size / 1048576).toFixed(1)} MiB (${bundled.length} bundled packages, see NOTICE)`,
);

/** Every npm package with a module in the bundle, from esbuild's metafile. */
function bundledPackages(metafile) {
  const dirs = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const parts = input.split("/");
    const at = parts.lastIndexOf("node_modules");
    if (at < 0) continue; // kiln's own workspaces
    const nameParts = parts[at + 1]?.startsWith("@") ? 2 : 1;
    dirs.add(parts.slice(0, at + 1 + nameParts).join(sep));
  }
  return [...dirs]
    .map((dir) => {
      const pkg = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"));
      const files = readdirSync(join(root, dir))
        .filter((f) => /^((un)?licen[cs]e|copying|notice)([.-].*)?$/i.test(f))
        .sort();
      return {
        dir,
        name: pkg.name,
        version: pkg.version,
        // `licenses: [{ type }]` is the old form some packages still use.
        license:
          typeof pkg.license === "string"
            ? pkg.license
            : (pkg.license?.type ?? pkg.licenses?.map((l) => l.type).join(" OR ")),
        engines: pkg.engines?.node,
        texts: files.map((f) => ({ file: f, text: readFileSync(join(root, dir, f), "utf8").trim() })),
      };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || (a.version < b.version ? -1 : 1));
}

function checkBundled(packages) {
  const problems = [];
  for (const p of packages) {
    const ids = (p.license ?? "").replace(/[()]/g, "").split(/ OR /);
    if (!ids.some((id) => ALLOWED_LICENSES.has(id.trim())))
      problems.push(`${p.name}@${p.version}: licence ${p.license ?? "(none declared)"} is not allowed`);
    if (p.engines && !semver.subset(manifest.engines.node, p.engines))
      problems.push(
        `${p.name}@${p.version}: needs Node.js ${p.engines}, which kiln's engines (${manifest.engines.node}) do not guarantee`,
      );
  }
  if (problems.length > 0) {
    console.error(`pack: ${problems.join("\npack: ")}`);
    process.exit(1);
  }
}

function notice(packages) {
  const lines = [
    `kiln ${manifest.version}`,
    `Licensed under the ${manifest.license} licence.`,
    "",
    `lib/ bundles these ${packages.length} third-party packages (compiled in by esbuild); their licence and notice files follow.`,
    "",
    ...packages.map((p) => `- ${p.name} ${p.version} (${p.license})`),
  ];
  for (const p of packages) {
    lines.push("", "=".repeat(78), `${p.name} ${p.version} (${p.license})`, "=".repeat(78));
    if (p.texts.length === 0)
      lines.push("", `(${p.name} ships no licence file; its package.json declares ${p.license}.)`);
    for (const t of p.texts) lines.push("", `--- ${t.file} ---`, "", t.text);
  }
  return `${lines.join("\n")}\n`;
}
