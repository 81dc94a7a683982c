#!/usr/bin/env bash
# Install everything rtnova needs on a fresh Debian/Ubuntu machine (run as
# root): the system packages of bindep.txt, then a virtualenv in .venv with
# rtnova, its requirements and (with --test) its test requirements.
#
#   tools/install.sh [--test]
#
# Idempotent and quiet on a machine that already has everything.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
venv=${RTNOVA_VENV:-$top/.venv}
python=${PYTHON:-python3}
want_tests=0
[ "${1:-}" = "--test" ] && want_tests=1

log() { printf 'rtnova-install: %s\n' "$*" >&2; }

# pip, quietly: on success only its unexpected lines are shown; on failure
# all of its output, and the script stops (before any stamp is written).
pip_quiet() {
    local out rc=0
    out=$("$venv/bin/pip" "$@" 2>&1) || rc=$?
    if [ $rc -ne 0 ]; then
        printf '%s\n' "$out" >&2
        log "pip $* failed (exit status $rc)"
        exit $rc
    fi
    # grep exits 1 when nothing is left to show: that is the quiet path
    printf '%s\n' "$out" | grep -v -e '^$' -e '^WARNING: Location' \
        -e 'BuildBackendWarning' >&2 || true
}

# System packages: the dpkg names listed in bindep.txt.
pkgs=$(sed -n 's/^\([a-z0-9][a-z0-9.+-]*\) .*\[platform:dpkg\].*/\1/p' \
       "$top/bindep.txt")
missing=()
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' \
        || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        log "missing system packages: ${missing[*]} (run as root or install them)"
        exit 1
    fi
    log "installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python: one virtualenv per checkout.
if [ ! -x "$venv/bin/python" ]; then
    log "creating virtualenv $venv"
    "$python" -m venv "$venv"
    pip_quiet install -q -U pip
fi
reqs=(-r "$top/requirements.txt")
[ $want_tests = 1 ] && reqs+=(-r "$top/test-requirements.txt")
stamp="$venv/.rtnova-reqs-$(cat "$top/requirements.txt" \
        "$top/test-requirements.txt" | sha1sum | cut -c1-12)-$want_tests"
if [ ! -e "$stamp" ]; then
    log "installing Python requirements (nova $(sed -n 's/^nova\(.*\)/\1/p' \
        "$top/requirements.txt"))"
    pip_quiet install -q "${reqs[@]}"
    touch "$stamp"
fi
# rtnova itself, non-editable: the nova.virt.rtnova alias module must live
# inside the installed nova package for nova's driver loader to find it.
pip_quiet install -q --no-deps --force-reinstall "$top"
"$venv/bin/python" -W ignore -c 'import rtnova, nova.virt.rtnova' \
    || { log "rtnova did not install correctly"; exit 1; }
