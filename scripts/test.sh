#!/usr/bin/env bash
# Runs every test project of the solution and ends with one line `N passed, N failed, N skipped`
# summing them all: CI reads that line to know tests ran. Exits non-zero when any test failed,
# when a test project did not report, or when no test ran at all.
set -uo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT

dotnet test MultigresOrleans.sln --no-build --nologo --verbosity quiet --logger "console;verbosity=minimal" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# VSTest prints one summary line per test assembly:
#   Passed!  - Failed:     0, Passed:    42, Skipped:     0, Total:    42, Duration: 1 s - X.dll (net10.0)
read -r passed failed skipped assemblies < <(
  grep -E '^(Passed|Failed)!  - Failed:' "$log" | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\2 \1 \3/' |
    awk '{p+=$1; f+=$2; s+=$3; n++} END {print p+0, f+0, s+0, n+0}')
# Test assemblies are the projects that reference the test SDK (helper executables under Tests/ are not).
expected=$(dotnet sln MultigresOrleans.sln list | grep '^Tests/.*\.csproj$' | while read -r p; do grep -l 'Microsoft.NET.Test.Sdk' "$p"; done | wc -l)

echo
echo "test assemblies reported: $assemblies of $expected"
echo "$passed passed, $failed failed, $skipped skipped"

if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ] || [ "$assemblies" -lt "$expected" ]; then
  exit 1
fi
