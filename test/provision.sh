#!/usr/bin/env bash
# Installs the Debian packages the real-peer suites use, when they are missing,
# then makes the pinned downloads the tests share (each verified, cached under
# ~/.cache/kiln-test). Idempotent: a warm machine installs nothing. Maven
# artifacts of services are fetched by the services (test/src/services), in ~/.m2.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

packages=(
  docker.io          # dockerd: the Docker engine path of the builder
  docker-registry    # the CNCF distribution registry
  apache2-utils      # htpasswd -B for the registry's Basic auth
  busybox-static     # rootfs for locally built base images
  debootstrap        # Debian rootfs of the e2e Kafka Connect base image
  prometheus         # promtool check/test rules, and a real Prometheus
  prometheus-alertmanager  # the monitoring suite routes its alerts through it (and amtool check-config)
  postgresql         # CDC source and sink databases
  etcd-server        # backing store for the test kube-apiserver
  openssl            # test CAs and certificates
  unzip              # the Keycloak distribution (keeps kc.sh executable)
  maven              # resolves Kafka and plugin jars from Maven Central
  openjdk-17-jre-headless
  openjdk-17-jdk-headless  # javac: the Kafka client tool and lag exporter of the DR and monitoring suites
  shellcheck         # actionlint checks the workflows' run: scripts with it
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "provision: missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
    exit 1
  fi
  echo "provision: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's postgresql package starts a cluster on :5432 when installed; the
# suites run their own on a free port, so the system one is left alone.

# The reference CRDs (Strimzi's generator over its API classes, prometheus-operator's module).
bash "$here/reference/fetch.sh" >/dev/null
# actionlint, built from its Go module.
bash "$here/tools/actionlint.sh" >/dev/null
# Node.js 22 and 24 (pinned, from the npm registry) for the unit tier and the adoption test.
bash "$here/tools/node.sh" 22 >/dev/null
bash "$here/tools/node.sh" 24 >/dev/null
echo "provision: ok"
