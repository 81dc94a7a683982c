# Copyright 2026 The rtnova Authors
#
#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License. You may obtain
#    a copy of the License at
#
#         http://www.apache.org/licenses/LICENSE-2.0
#
#    Unless required by applicable law or agreed to in writing, software
#    distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#    WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#    License for the specific language governing permissions and limitations
#    under the License.

"""Benchmark: nova's default pinned guest vs rtnova's real-time flavor,
each without and with rtnova-shield, in one run.

The same probe guest (rtnova-probe), the same seconds, one vCPU on the
same dedicated pCPU, under:

(a) nova's default pinned guest: ``hw:cpu_policy=dedicated`` only -- the
    vCPU at SCHED_OTHER, QEMU's emulator threads on the vCPU's pCPU;
(b) rtnova's real-time flavor: the vCPU at SCHED_FIFO, emulator threads
    on the emulator pool (``[rtnova] emulator_pin_set``);

each idle, with housekeeping load (a busy loop on every non-dedicated
CPU) and with a busy loop started with its affinity set to the vCPU's own
pCPU ("same-cpu"), all with ``sched_rt_runtime_us=-1`` (set for the run,
restored), plus (b) idle with ``sched_rt_runtime_us`` as the host has it
(the kernel's default RT throttling before the shield; under the shield,
whatever the shield set: -1 where stalld or the kernel's fair server guards
against starvation). All seven cases run first on the host as it is, then
under ``rtnova-shield --dedicated <pCPU>`` (applied once, undone at the
end). Under the shield the
same-cpu loop is born in the housekeeping cpuset: the kernel refuses its
CPU (EINVAL) and the row says so and where it spun instead.

Each row: the largest gap of the whole run (max), the median of the
per-window maxima (one noisy window does not decide a comparison), and
percentiles of all gaps. Two floors close the table: the probe's
resolution (the median gap of case (b) idle, shielded: one turn of the
probe's loop) and the host's noise floor (the max of case (a) idle,
shielded: an idle SCHED_OTHER vCPU alone on a shielded pCPU).

It needs what the real-host test tier needs (root, /dev/kvm, libvirtd,
nasm) and starts the daemon the same way; without them it says what is
missing and exits 0 (nothing measured). Run it on a quiet machine: it
changes host-wide state (the shield) while it runs.

Run from the repository root:
    python -m tools.bench_latency [--seconds 10] [--dedicated 1] [--pool 0]
"""

import argparse
import contextlib
import io
import json
import os
import platform
import statistics
import sys
import tempfile

from rtnova.cmd import latency_probe
from rtnova.hardware import cpuset
from rtnova.hardware import shield_plan
from rtnova.shield import apply as shield_apply
from rtnova.shield import shield_host
from tests.realhost import fixtures as rh

NOVA_DEFAULT = ['--property', 'hw:cpu_policy=dedicated']
RTNOVA_RT = ['--property', 'hw:cpu_policy=dedicated',
             '--property', 'hw:cpu_realtime=yes',
             '--property', 'hw:emulator_threads_policy=share',
             '--property', 'resources:CUSTOM_RT_EMULATOR_POOL=1']
CASES = (
    ('a', 'nova default pinned', NOVA_DEFAULT, 'none', -1),
    ('a', 'nova default pinned', NOVA_DEFAULT, 'housekeeping', -1),
    ('a', 'nova default pinned', NOVA_DEFAULT, 'same-cpu', -1),
    ('b', 'rtnova RT + pool', RTNOVA_RT, 'none', -1),
    ('b', 'rtnova RT + pool', RTNOVA_RT, 'housekeeping', -1),
    ('b', 'rtnova RT + pool', RTNOVA_RT, 'same-cpu', -1),
    ('b', 'rtnova RT + pool', RTNOVA_RT, 'none', None),
)


def machine():
    model = 'unknown CPU'
    with open('/proc/cpuinfo') as fh:
        for line in fh:
            if line.startswith('model name'):
                model = line.split(':', 1)[1].strip()
                break
    return '%s, %d CPUs, kernel %s' % (
        model, os.cpu_count(), platform.release())


def run_case(conf, uri, seconds, flavor, load, runtime):
    argv = ['--config-file', conf, '--connect', uri, '--vcpus', '1',
            '--ram', '64', '--seconds', str(seconds), '--load', load,
            '--json'] + flavor
    if runtime is not None:
        argv += ['--set-rt-runtime-us', str(runtime)]
    out, err = io.StringIO(), io.StringIO()
    code = latency_probe.main(argv, out=out, err=err)
    if code == latency_probe.CANNOT_RUN:
        raise SystemExit('rtnova-probe %s: %s' % (
            ' '.join(argv), err.getvalue()))
    return json.loads(out.getvalue())


def bound_kthreads(dedicated):
    """{tid: (name, ns run so far)} of kernel threads bound to ``dedicated``.

    The per-CPU kernel threads are what the shield cannot move: their run
    time during a case (``/proc/<tid>/schedstat``, first field) is time
    taken from the vCPU on that pCPU.
    """
    found = {}
    for thread in shield_host.ShieldHost().threads():
        if shield_plan.classify(thread, dedicated) != shield_plan.PER_CPU:
            continue
        try:
            with open('/proc/%d/task/%d/schedstat' % (thread.pid,
                                                      thread.tid)) as fh:
                found[thread.tid] = (thread.comm, int(fh.read().split()[0]))
        except (OSError, ValueError, IndexError):
            continue
    return found


def kthread_time(before, after):
    """One line: how long the bound kernel threads ran between two reads."""
    ran = sorted(((after[t][1] - before[t][1], after[t][0])
                  for t in set(before) & set(after)), reverse=True)
    total = sum(ns for ns, _ in ran)
    top = ', '.join('%s %.2f ms' % (name, ns / 1e6) for ns, name in ran[:4]
                    if ns > 0)
    return '%.2f ms (%s)' % (total / 1e6, top or 'none ran')


def runtime_label(runtime):
    """What the rt_runtime column says: the case's value, or the host's."""
    if runtime is not None:
        return str(runtime)
    with open('/proc/sys/kernel/sched_rt_runtime_us') as fh:
        return 'host ' + fh.read().strip()


def steal_ms(cpus):
    """Steal time of ``cpus`` so far, in ms (/proc/stat, 10 ms ticks).

    On a host that is itself a guest, this is the time the outer
    hypervisor ran something else on those CPUs: a stall no setting of
    this kernel can remove.
    """
    tick_ms = 1000.0 / os.sysconf('SC_CLK_TCK')
    total = 0.0
    with open('/proc/stat') as fh:
        for line in fh:
            fields = line.split()
            if fields[0].startswith('cpu') and fields[0][3:].isdigit() and (
                    int(fields[0][3:]) in cpus) and len(fields) > 8:
                total += int(fields[8]) * tick_ms
    return total


def row(case, name, shield, load, runtime, data):
    vcpu = data['vcpus'][0]
    median = statistics.median(vcpu['max_per_window_us'])
    return ('(%s) %-20s %-6s %-13s %-12s %-14s %10.1f %10.1f %10.1f '
            '%9.1f %7.1f' % (
                case, name, 'on' if shield else 'off', load,
                runtime,
                '%s %d' % (vcpu['policy'], vcpu['priority']),
                vcpu['max_us'], median, vcpu['p99_99_us'], vcpu['p99_9_us'],
                vcpu['p50_us']))


@contextlib.contextmanager
def shielded(dedicated):
    """rtnova-shield on ``dedicated`` for the block; undone on every path."""
    host = shield_host.ShieldHost()
    state = os.path.join(tempfile.mkdtemp(prefix='rtnova-bench-'),
                         'shield.json')
    cpus = frozenset(cpuset.parse_cpu_option(dedicated, '--dedicated'))
    lines = shield_apply.apply(host, cpus, state)
    try:
        yield lines
    finally:
        shield_apply.undo(host, state)
        os.rmdir(os.path.dirname(state))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--seconds', type=float, default=10.0)
    parser.add_argument('--dedicated', default='1')
    parser.add_argument('--pool', default='0')
    args = parser.parse_args()
    missing = rh.missing_prerequisites()
    if missing:
        print('bench_latency: not run: missing ' + '; '.join(missing))
        return 0
    daemon = rh.LibvirtdFixture(hugepages_2m=0)
    daemon.setUp()
    try:
        uri = daemon.uri
        with tempfile.NamedTemporaryFile('w', suffix='.conf') as conf:
            conf.write('[compute]\ncpu_dedicated_set = %s\ncpu_shared_set = '
                       '%s\n[rtnova]\nemulator_pin_set = %s\n' % (
                           args.dedicated, args.pool, args.pool))
            conf.flush()
            report(conf.name, uri, args)
    finally:
        daemon.cleanUp()
    return 0


def header(args):
    print('Latency of one vCPU on dedicated pCPU %s (emulator pool / '
          'housekeeping CPUs %s), %g s per case, rtnova-probe, cold (a '
          'fresh guest per case)' % (args.dedicated, args.pool,
                                     args.seconds))
    print('Machine: %s' % machine())
    print('Columns: largest gap between two rdtsc reads of the run (max), '
          'median of the per-window maxima (med max), percentiles of all '
          'gaps (bucket upper bounds); all in us')
    print('%-24s %-6s %-13s %-12s %-14s %10s %10s %10s %9s %7s' % (
        'case', 'shield', 'load', 'rt_runtime', 'vCPU sched', 'max',
        'med max', 'p99.99', 'p99.9', 'p50'))


def run_cases(conf, uri, args, shield):
    """Every case once; {(case, load, runtime): data}."""
    found = {}
    dedicated = frozenset(cpuset.parse_cpu_option(args.dedicated,
                                                  '--dedicated'))
    for case, name, flavor, load, runtime in CASES:
        label = runtime_label(runtime)
        before, stolen = bound_kthreads(dedicated), steal_ms(dedicated)
        data = run_case(conf, uri, args.seconds, flavor, load, runtime)
        ran = kthread_time(before, bound_kthreads(dedicated))
        stolen = steal_ms(dedicated) - stolen
        print(row(case, name, shield, load, label, data), flush=True)
        if load == 'same-cpu':
            print('    same-cpu intruder: %s' % data['load'], flush=True)
        print('    per-CPU kernel threads of pCPU %s ran %s during the case '
              '(boot included); the outer hypervisor took %.0f ms of it '
              '(steal time)' % (args.dedicated, ran, stolen), flush=True)
        found[case, load, runtime] = data
    return found


def report(conf, uri, args):
    header(args)
    run_cases(conf, uri, args, False)
    with shielded(args.dedicated) as lines:
        print('rtnova-shield --dedicated %s: %s' % (
            args.dedicated, '; '.join(
                ln for ln in lines if ln.startswith(
                    ('cpuset', 'left', 'set: kernel.sched_rt')))))
        found = run_cases(conf, uri, args, True)
    idle_rt = found['b', 'none', -1]['vcpus'][0]
    idle_other = found['a', 'none', -1]['vcpus'][0]
    print('probe resolution (median gap of (b) idle, shielded): %.1f us; '
          'noise floor (max of (a) idle, shielded: an idle SCHED_OTHER '
          'vCPU alone on its pCPU): %.1f us (med max %.1f us)' % (
              idle_rt['p50_us'], idle_other['max_us'],
              statistics.median(idle_other['max_per_window_us'])))


if __name__ == '__main__':
    sys.exit(main())
