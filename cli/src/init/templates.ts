// What `kiln init` writes besides the catalog: the GitHub Actions workflows, the composite
// action that installs the pinned kiln, the team's README and .gitignore. Plain text with a
// few values filled in; every workflow is linted by actionlint in the test suite.

export interface TemplateValues {
  /** The kiln that writes them (and that the workflows install). */
  version: string;
  strimzi: string;
  kafkaLines: readonly string[];
  defaultKafka: string;
  /** Where the team keeps kiln, when `kiln init --package` named it; else the KILN_PACKAGE variable alone. */
  packageSpec?: string;
  /** Directory of the JSON Schemas the modelines point at. */
  schemaDir: string;
  /** Name shown in the README's title. */
  project: string;
}

const NODE_VERSION = 24;

/** Java for conformance's Connect workers, and the caches of downloads and Maven. */
const conformanceSteps = `      - uses: actions/setup-java@v4
        with:
          distribution: temurin
          java-version: 17 # conformance starts real Kafka Connect workers
      - uses: actions/cache@v4
        with:
          path: |
            ~/.cache/kiln
            ~/.m2/repository
          key: kiln-\${{ hashFiles('kiln.lock.json') }}
          restore-keys: kiln-
`;

/** The `package` input every workflow passes to the install action. */
function packageInput(v: TemplateValues): string {
  return v.packageSpec ? `\${{ vars.KILN_PACKAGE || '${v.packageSpec}' }}` : "${{ vars.KILN_PACKAGE }}";
}

function installSteps(v: TemplateValues, checkout = "      - uses: actions/checkout@v4\n"): string {
  return `${checkout}      - uses: ./.github/actions/install-kiln
        with:
          package: ${packageInput(v)}
`;
}

export function installAction(v: TemplateValues): string {
  return `# Installs the kiln these workflows were written for, on Node.js ${NODE_VERSION}, and checks
# its version. Written by kiln init ${v.version}; a newer kiln's \`kiln init --force\` keeps your edits.
name: Install kiln
description: Installs kiln ${v.version} from where the team keeps it, and checks the version.
inputs:
  package:
    description: >-
      Where your team keeps kiln ${v.version}: a tarball URL, a tarball path in this repository,
      or a package name in your own npm registry. Never a bare "kiln": on the public npm
      registry that name belongs to another project.
    required: true
runs:
  using: composite
  steps:
    - uses: actions/setup-node@v4
      with:
        node-version: ${NODE_VERSION}
    - shell: bash
      env:
        KILN_PACKAGE: \${{ inputs.package }}
        KILN_VERSION: "${v.version}"
      run: |
        if [ -z "$KILN_PACKAGE" ]; then
          echo "::error::set the repository variable KILN_PACKAGE to where kiln $KILN_VERSION is kept (see README.md)"
          exit 1
        fi
        npm install --global --no-audit --no-fund "$KILN_PACKAGE"
        installed="$(kiln --version | head -n 1)"
        if [ "$installed" != "kiln $KILN_VERSION" ]; then
          echo "::error::$KILN_PACKAGE installed $installed, not kiln $KILN_VERSION"
          exit 1
        fi
`;
}

export function prWorkflow(v: TemplateValues): string {
  return `# Every pull request that touches the catalog, the clusters, the connectors or the lock:
# validate, lock check, conformance of the changed entries on real Connect workers, a build
# without push, one summary comment and a check run with annotations on the offending lines.
# Written by kiln init ${v.version}.
name: kiln PR

on:
  pull_request:
    paths:
      - "catalog/**"
      - "clusters/**"
      - "connectors/**"
      - "kiln.lock.json"
      - ".github/workflows/kiln-*.yml"
      - ".github/actions/install-kiln/**"

permissions:
  contents: read
  pull-requests: write # the summary comment
  checks: write # the check run and its annotations

concurrency:
  group: kiln-pr-\${{ github.event.pull_request.number }}
  cancel-in-progress: true

jobs:
  check:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0 # kiln pr diffs against the merge base
${installSteps(v, "")}${conformanceSteps}      - run: kiln validate
      - run: kiln validate clusters connectors
      - run: kiln lock --check
      - name: Summary, comment and check run
        run: kiln pr --conformance
        env:
          GITHUB_TOKEN: \${{ secrets.GITHUB_TOKEN }}
      - name: Build without pushing
        run: kiln build clusters
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: kiln-pr
          path: out/
`;
}

export function mainWorkflow(v: TemplateValues): string {
  return `# On main: build and push the plugin and Connect images from the lock, render the manifests,
# and open (or update) one PR that pins the new image digests in the cluster files. Registry
# credentials come from the workflow token through ~/.docker/config.json; nothing secret is
# written to the repository. Written by kiln init ${v.version}.
name: kiln main

on:
  push:
    branches: [main]
    paths:
      - "catalog/**"
      - "clusters/**"
      - "kiln.lock.json"
  workflow_dispatch: {}

permissions:
  contents: write # the digest-bump branch
  pull-requests: write # the digest-bump PR
  packages: write # push to ghcr.io with the workflow token

concurrency:
  group: kiln-main
  cancel-in-progress: false

jobs:
  build:
    runs-on: ubuntu-latest
    timeout-minutes: 45
    env:
      KILN_REGISTRY: \${{ vars.KILN_REGISTRY || format('ghcr.io/{0}', github.repository_owner) }}
    steps:
${installSteps(v)}      - uses: actions/cache@v4
        with:
          path: ~/.cache/kiln
          key: kiln-\${{ hashFiles('kiln.lock.json') }}
          restore-keys: kiln-
      - name: Registry login (writes ~/.docker/config.json, which kiln reads)
        env:
          REGISTRY_TOKEN: \${{ secrets.GITHUB_TOKEN }}
          REGISTRY_USER: \${{ github.actor }}
        run: echo "$REGISTRY_TOKEN" | docker login "\${KILN_REGISTRY%%/*}" -u "$REGISTRY_USER" --password-stdin
      - name: Build and push (writes out/build.json and out/build-summary.md)
        run: kiln build clusters --push "$KILN_REGISTRY"
      - uses: actions/upload-artifact@v4
        with:
          name: kiln-build
          path: out/

  bump-digests:
    needs: build
    runs-on: ubuntu-latest
    steps:
${installSteps(v)}      - uses: actions/download-artifact@v4
        with:
          name: kiln-build
          path: out/
      - name: Pin the new digests in the cluster files (connect[].image.pinned)
        run: |
          jq -r '.images[] | select(.kind == "connect") | [.clusterFile, .connect, .reference] | @tsv' out/build.json |
            while IFS=$'\\t' read -r file connect ref; do
              CONNECT="$connect" REF="$ref" yq -i '(.connect[] | select(.name == strenv(CONNECT)) | .image.pinned) = strenv(REF)' "$file"
            done
          mapfile -t changed < <(jq -r '[.images[] | select(.kind == "connect") | .clusterFile] | unique | .[]' out/build.json)
          if [ "\${#changed[@]}" -gt 0 ]; then kiln validate "\${changed[@]}"; fi
      - name: Open or update the digest-bump PR
        env:
          GH_TOKEN: \${{ secrets.GITHUB_TOKEN }}
        run: |
          if git diff --quiet; then
            echo "digests unchanged"
            exit 0
          fi
          branch=kiln/bump-image-digests
          git config user.name "kiln-bot"
          git config user.email "kiln-bot@users.noreply.github.com"
          git checkout -B "$branch"
          git commit -am "Pin Connect image digests from \${GITHUB_SHA::12}"
          git push --force-with-lease origin "$branch"
          gh pr view "$branch" >/dev/null 2>&1 ||
            gh pr create --head "$branch" --title "Pin Connect image digests" --body-file out/build-summary.md
`;
}

export function driftWorkflow(v: TemplateValues): string {
  return `# Scheduled drift checks: the live Connect clusters against connectors/ (when it holds
# files), and the live Kubernetes objects against the rendered clusters/ (when the variable
# KILN_CLUSTER_DRIFT is "true" and the secret KILN_KUBECONFIG holds a kubeconfig). Exit code 2
# means drift was found, 1 that the check itself failed. Written by kiln init ${v.version}.
name: kiln drift

on:
  schedule:
    - cron: "17 6 * * *"
  workflow_dispatch: {}

permissions:
  contents: read

jobs:
  connectors:
    runs-on: ubuntu-latest
    timeout-minutes: 15
    steps:
      - uses: actions/checkout@v4
      - id: files
        run: echo "any=\${{ hashFiles('connectors/**/*.yaml', 'connectors/**/*.yml') != '' }}" >> "$GITHUB_OUTPUT"
      - if: steps.files.outputs.any == 'true'
        uses: ./.github/actions/install-kiln
        with:
          package: ${packageInput(v)}
      - name: Connectors drift
        if: steps.files.outputs.any == 'true'
        # The environment variables your ConnectTarget files name (auth.usernameEnv, …) go here,
        # from repository secrets.
        run: kiln connectors drift --dir connectors

  clusters:
    if: vars.KILN_CLUSTER_DRIFT == 'true'
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
${installSteps(v)}      - name: Render every cluster and diff it against the live objects
        env:
          KILN_KUBECONFIG: \${{ secrets.KILN_KUBECONFIG }}
        run: |
          (umask 077 && printf '%s\\n' "$KILN_KUBECONFIG" > "$RUNNER_TEMP/kubeconfig")
          status=0
          for file in clusters/*.yaml; do
            grep -q '^kind: *Cluster *$' "$file" || continue
            out="out/manifests/$(basename "$file" .yaml)"
            kiln render "$file" --out "$out"
            kiln diff "$out" --kubeconfig "$RUNNER_TEMP/kubeconfig" || status=$?
          done
          exit "$status"
`;
}

export function updateWorkflow(v: TemplateValues): string {
  return `# Scheduled updates of the catalog: every entry with a newer release (Maven metadata through
# your mirrors, GitHub releases) gets a branch kiln/update/<name> with the bump (version,
# artifacts, sha512s, lock) and one pull request whose body holds the conformance matrix; a PR
# already open for that entry is updated in place. Exit 1 when a bump failed (the others are
# still opened). Written by kiln init ${v.version}.
name: kiln update

on:
  schedule:
    - cron: "23 5 * * 1"
  workflow_dispatch: {}

permissions:
  contents: write # the kiln/update/* branches
  pull-requests: write # the update PRs

concurrency:
  group: kiln-update
  cancel-in-progress: false

jobs:
  update:
    runs-on: ubuntu-latest
    timeout-minutes: 90
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
          # PRs opened with the workflow token start no other workflow; a token of your own in the
          # secret KILN_UPDATE_TOKEN lets kiln-pr check them as well.
          token: \${{ secrets.KILN_UPDATE_TOKEN || github.token }}
${installSteps(v, "")}${conformanceSteps}      - name: One branch and one PR per newer release, with the conformance matrix
        run: kiln catalog update-prs --conformance
        env:
          GITHUB_TOKEN: \${{ secrets.KILN_UPDATE_TOKEN || secrets.GITHUB_TOKEN }}
`;
}

export function readme(v: TemplateValues): string {
  return `# ${v.project}

Kafka Connect plugins, Connect images, Kafka clusters and connector deployments, reviewed in pull
requests and built by CI with kiln ${v.version}, which targets Strimzi ${v.strimzi} and Kafka
${v.kafkaLines.join(" and ")} (default ${v.defaultKafka}).

| path                          | what                                                                                     |
| ----------------------------- | ---------------------------------------------------------------------------------------- |
| \`catalog/connectors/\`         | one file per connector plugin: classes, version, licence, artifacts with sha512          |
| \`catalog/license-policy.yaml\` | the licences entries may carry, and reasoned exceptions                                  |
| \`kiln.lock.json\`              | every plugin file pinned (URL, size, sha512); written by \`kiln lock\`, committed           |
| \`clusters/\`                   | one \`kind: Cluster\` file per Kafka cluster (Strimzi: node pools, listeners, Connect, …)  |
| \`connectors/\`                 | \`kind: Connector\` and \`kind: ConnectTarget\` files, deployed over the Connect REST API     |
| \`.github/\`                    | kiln-pr (every PR), kiln-main (build, push, digest-bump PR), kiln-drift and kiln-update (scheduled) |

## Everyday commands

\`\`\`sh
kiln validate                       # the catalog: file:line:column errors
kiln validate clusters connectors   # cluster and connector files
kiln catalog add <group:artifact:version[:classifier][@tar.gz]>   # a new plugin: entry + lock
kiln catalog outdated               # entries with newer releases (exit 2: some)
kiln catalog bump <name>            # move one to its newest release
kiln lock                           # pin what the catalog names; commit kiln.lock.json
kiln build clusters                 # plugin and Connect images, SBOMs and manifests in out/
kiln render clusters/<name>.yaml --out out/manifests/<name>
kiln connectors plan                # what \`kiln connectors apply\` would change (exit 2: changes pending)
\`\`\`

Each catalog and cluster file starts with a schema line, \`# yaml-language-server: $schema=…\`, so
editors with the YAML language server complete and check it. \`kiln init\` pointed those lines at
the JSON Schemas of the kiln it ran from (\`${v.schemaDir}\`); start new files with the same line.

## CI

- **Repository variable \`KILN_PACKAGE\`** (required): where your team keeps kiln ${v.version} — the
  tarball from kiln's \`npm run pack\` at a URL, a path in this repository, or a name in your own npm
  registry. \`.github/actions/install-kiln\` installs it on Node.js ${NODE_VERSION} and fails unless it
  is kiln ${v.version}. Never a bare \`kiln\`: on the public npm registry that name is another project.
- **\`KILN_REGISTRY\`** (optional variable): where kiln-main pushes images (default
  \`ghcr.io/<owner>\`, with the workflow token).
- **Drift**: kiln-drift checks connectors/ daily once it holds files (the credentials your
  ConnectTarget files name go into that job's environment from secrets), and the clusters when
  the variable \`KILN_CLUSTER_DRIFT\` is \`true\` and the secret \`KILN_KUBECONFIG\` holds a kubeconfig.
- **Updates**: kiln-update runs \`kiln catalog update-prs --conformance\` weekly: one branch and one PR
  per entry with a newer release, the conformance matrix in its body, refreshed in place. PRs opened
  with the workflow token start no other workflow; put a token of your own (a GitHub App's or a
  fine-grained one with contents and pull-requests write) in the secret \`KILN_UPDATE_TOKEN\` to have
  kiln-pr check them too.
- **Moving to a newer kiln**: point \`KILN_PACKAGE\` at it and change \`KILN_VERSION\` in
  \`.github/actions/install-kiln/action.yml\`; its \`kiln init --force\` adds files it introduced and keeps
  every file that exists.

Exit codes: 0 success, 1 failure, 2 changes pending / drift found, 64 usage error.
`;
}

export const GITIGNORE_LINES = ["out/", ".kiln/"];
