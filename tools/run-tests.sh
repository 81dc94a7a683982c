#!/usr/bin/env bash
# Install rtnova with its test requirements and run every test tier with
# stestr: unit, functional (nova's in-process services) and real-host (a
# real libvirtd + QEMU/KVM that the tests' fixture starts).
#
#   tools/run-tests.sh [stestr filter regex]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
venv=${RTNOVA_VENV:-$top/.venv}
"$top/tools/install.sh" --test
cd "$top"
export PATH="$venv/bin:$PATH"
rc=0
"$venv/bin/python" -m stestr run "$@" || rc=$?
# A plain closing line for CI logs.
"$venv/bin/python" - <<'PY' || true
import subprocess, sys
out = subprocess.run([sys.executable, '-m', 'stestr', 'last', '--subunit'],
                     capture_output=True).stdout
import subunit, testtools
stream = subunit.ByteStreamToStreamResult(__import__('io').BytesIO(out))
summary = testtools.StreamSummary()
summary.startTestRun(); stream.run(summary); summary.stopTestRun()
failed = len(summary.errors) + len(summary.failures)
skipped = len(summary.skipped)
passed = summary.testsRun - failed - skipped
print('%d passed, %d failed, %d skipped' % (passed, failed, skipped))
PY
exit $rc
