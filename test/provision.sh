#!/usr/bin/env bash
# Installs the Debian packages the real-peer suites use, when they are missing.
# Idempotent: a warm machine installs nothing. Maven artifacts are fetched by
# the services that need them (test/src/services), cached in ~/.m2.
set -euo pipefail

packages=(
  docker.io          # dockerd: the Docker engine path of the builder
  docker-registry    # the CNCF distribution registry
  apache2-utils      # htpasswd -B for the registry's Basic auth
  busybox-static     # rootfs for locally built base images
  debootstrap        # Debian rootfs of the e2e Kafka Connect base image
  prometheus         # promtool check/test rules, and a real Prometheus
  postgresql         # CDC source and sink databases
  etcd-server        # backing store for the test kube-apiserver
  openssl            # test CAs and certificates
  unzip              # the Keycloak distribution (keeps kc.sh executable)
  maven              # resolves Kafka and plugin jars from Maven Central
  openjdk-17-jre-headless
  openjdk-17-jdk-headless  # javac: the Kafka client tool and lag exporter of the DR and monitoring suites
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
echo "provision: ok"
