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

"""Benchmark: nova's default pinned guest vs rtnova's real-time flavor.

The same probe guest (rtnova-probe), the same seconds, one vCPU on the
same dedicated pCPU, under:

(a) nova's default pinned guest: ``hw:cpu_policy=dedicated`` only -- the
    vCPU at SCHED_OTHER, QEMU's emulator threads on the vCPU's pCPU;
(b) rtnova's real-time flavor: the vCPU at SCHED_FIFO, emulator threads
    on the emulator pool (``[rtnova] emulator_pin_set``);

each idle, with housekeeping load (a busy loop on every non-dedicated
CPU) and with a busy loop on the vCPU's own pCPU: six cases, all with
``sched_rt_runtime_us=-1`` (set for the run, restored), plus (b) idle on
the kernel's default RT throttling for contrast. The noise floor is the
probe's resolution on this host: the median gap between two rdtsc reads
in case (b) idle, i.e. one turn of the probe's loop (a few ns on bare
metal; each rdtsc traps to the hypervisor under nested KVM).

It needs what the real-host test tier needs (root, /dev/kvm, libvirtd,
nasm) and starts the daemon the same way; without them it says what is
missing and exits 0 (nothing measured).

Run from the repository root:
    python -m tools.bench_latency [--seconds 10] [--dedicated 1] [--pool 0]
"""

import argparse
import io
import json
import os
import platform
import sys
import tempfile

from rtnova.cmd import latency_probe
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


def row(case, name, load, runtime, data):
    vcpu = data['vcpus'][0]
    return ('(%s) %-20s %-13s %-10s %-15s %11.1f %11.1f %11.1f %11.1f' % (
        case, name, load, 'default' if runtime is None else str(runtime),
        '%s %d' % (vcpu['policy'], vcpu['priority']), vcpu['max_us'],
        vcpu['p99_99_us'], vcpu['p99_9_us'], vcpu['p50_us']))


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


def report(conf, uri, args):
    print('Latency of one vCPU on dedicated pCPU %s (emulator pool / '
          'housekeeping CPUs %s), %g s per case, rtnova-probe' % (
              args.dedicated, args.pool, args.seconds))
    print('Machine: %s' % machine())
    print('Columns: largest gap between two rdtsc reads (max), and the '
          'percentiles of all gaps (bucket upper bounds), in us')
    print('%-24s %-13s %-10s %-15s %11s %11s %11s %11s' % (
        'case', 'load', 'rt_runtime', 'vCPU sched', 'max', 'p99.99',
        'p99.9', 'p50'))
    floor = None
    for case, name, flavor, load, runtime in CASES:
        data = run_case(conf, uri, args.seconds, flavor, load, runtime)
        print(row(case, name, load, runtime, data), flush=True)
        if case == 'b' and load == 'none' and runtime == -1:
            floor = data['vcpus'][0]
    print('noise floor (probe resolution: median gap of case (b) idle): '
          '%.1f us; its max %.1f us is this host\'s own noise' % (
              floor['p50_us'], floor['max_us']))


if __name__ == '__main__':
    sys.exit(main())
