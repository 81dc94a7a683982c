#!/usr/bin/env bash
# Install rtnova with its test requirements and run every test tier with
# stestr: unit, functional (nova's in-process services) and real-host (a
# real libvirtd + QEMU/KVM that the tests' fixture starts), then the
# deployment tier (tools/deploy/tests: every OpenStack service its own
# process, driven through the openstack CLI).
#
# The deployment tier runs second, in one worker, so its daemons do not
# compete for CPU with the real-host tests' timing. It uses a deployment
# that is already up (python3 -m tools.deploy up) and leaves it up;
# otherwise it brings one up and takes it down at the end.
#
#   tools/run-tests.sh [stestr filter regex]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
venv=${RTNOVA_VENV:-$top/.venv}
"$top/tools/install.sh" --test
cd "$top"
export PATH="$venv/bin:$PATH"
py="$venv/bin/python"
streams=$(mktemp -d)
trap 'rm -rf "$streams"' EXIT
rc=0
"$py" -m stestr run "$@" || rc=$?
"$py" -m stestr last --subunit > "$streams/tiers.subunit" || true
deploy=("$py" -m stestr --test-path=./tools/deploy/tests --top-dir=./)
# a filter that selects none of the deployment tier's tests skips it
if [ $# -eq 0 ] || [ -n "$("${deploy[@]}" list "$@" 2>/dev/null)" ]; then
    "${deploy[@]}" run --concurrency 1 "$@" || rc=$?
    "$py" -m stestr last --subunit > "$streams/deploy.subunit" || true
fi
# A plain closing line for CI logs, counting every tier.
"$py" - "$streams"/*.subunit <<'PY' || true
import io
import sys

import subunit
import testtools

summary = testtools.StreamSummary()
summary.startTestRun()
for path in sys.argv[1:]:
    with open(path, 'rb') as fh:
        subunit.ByteStreamToStreamResult(io.BytesIO(fh.read())).run(summary)
summary.stopTestRun()
failed = len(summary.errors) + len(summary.failures)
skipped = len(summary.skipped)
passed = summary.testsRun - failed - skipped
print('%d passed, %d failed, %d skipped' % (passed, failed, skipped))
PY
exit $rc
