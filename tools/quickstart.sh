#!/usr/bin/env bash
# Quick start: install rtnova and plan the seeds' rt1.small flavor on the
# embedded sample host. Extra arguments go to rtnova-plan.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tools/install.sh"
exec "${RTNOVA_VENV:-$top/.venv}/bin/rtnova-plan" "$@"
