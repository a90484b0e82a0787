#!/usr/bin/env bash
# Installs only what is missing for the tests and the sandbox: etcd and Chromium from Debian,
# Azurite from the committed npm lockfile, and the .NET packages. Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_missing=()
command -v etcd >/dev/null 2>&1 || apt_missing+=(etcd-server)
command -v etcdctl >/dev/null 2>&1 || apt_missing+=(etcd-client)
command -v chromium >/dev/null 2>&1 || apt_missing+=(chromium)
if [ ${#apt_missing[@]} -gt 0 ]; then
  echo "deps: installing ${apt_missing[*]} from Debian"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
fi

# npm ci when the lockfile changed since the last install (or nothing is installed yet).
stamp=Azurite/node_modules/.installed-lock
if [ ! -x Azurite/node_modules/.bin/azurite ] || ! cmp -s Azurite/package-lock.json "$stamp"; then
  echo "deps: installing Azurite (npm ci)"
  (cd Azurite && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  cp Azurite/package-lock.json "$stamp"
fi

dotnet restore MultigresOrleans.sln --verbosity quiet
echo "deps: etcd $(etcd --version 2>/dev/null | head -n1 | awk '{print $3}'), $(chromium --version 2>/dev/null), azurite $(Azurite/node_modules/.bin/azurite --version 2>/dev/null), dotnet $(dotnet --version)"
