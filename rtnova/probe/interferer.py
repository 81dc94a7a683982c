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

"""Load the probe plants on the host: processes of known shape.

``python -m rtnova.probe.interferer spin --cpus 0`` busy-loops at
SCHED_OTHER on the given CPUs (one process per CPU); ``burst --cpu 1
--ms 10 --period-ms 200 --priority 50`` runs at SCHED_FIFO for ``ms`` of
every ``period-ms`` on one CPU and sleeps in between: a stall of known
length the probe must see.
"""

import argparse
import errno
import os
import sys
import time


def pin(cpu, out=None):
    """Ask for ``cpu``; say on ``out`` what the kernel did, in one line.

    ``pinned <cpu>``, or ``refused <cpu> <errno name> allowed <cpus>``:
    a task in rtnova-shield's housekeeping cpuset that asks for a
    dedicated CPU gets EINVAL. Like a program that ignores the error, the
    spinner then runs where it is allowed; the probe reports which.
    """
    out = out or sys.stdout
    try:
        os.sched_setaffinity(0, {cpu})
        out.write('pinned %d\n' % cpu)
    except OSError as exc:
        out.write('refused %d %s allowed %s\n' % (
            cpu, errno.errorcode.get(exc.errno, str(exc.errno)),
            ','.join(str(c) for c in sorted(os.sched_getaffinity(0)))))
    out.flush()


def spin(cpu):
    pin(cpu)
    while True:
        pass


def burst(cpu, ms, period_ms, priority):
    os.sched_setaffinity(0, {cpu})
    os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(priority))
    period = period_ms * 1000000
    length = ms * 1000000
    start = time.monotonic_ns()
    while True:
        end = start + length
        while time.monotonic_ns() < end:
            pass
        start += period
        pause = start - time.monotonic_ns()
        if pause > 0:
            time.sleep(pause / 1e9)


def main(argv=None):
    parser = argparse.ArgumentParser(prog='rtnova-probe-interferer')
    sub = parser.add_subparsers(dest='kind', required=True)
    spinner = sub.add_parser('spin')
    spinner.add_argument('--cpu', type=int, required=True)
    bursts = sub.add_parser('burst')
    bursts.add_argument('--cpu', type=int, required=True)
    bursts.add_argument('--ms', type=float, required=True)
    bursts.add_argument('--period-ms', type=float, required=True)
    bursts.add_argument('--priority', type=int, required=True)
    args = parser.parse_args(argv)
    if args.kind == 'spin':
        spin(args.cpu)
    else:
        burst(args.cpu, args.ms, args.period_ms, args.priority)


if __name__ == '__main__':
    sys.exit(main())
