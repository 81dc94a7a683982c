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


"""The unprivileged side of test_privsep_unprivileged (run as ``nobody``).

Tries each operation itself first (it must be refused), then through
rtnova's privsep access, and prints what happened as one JSON line. It
waits for its stdin to close before it exits, so the test can look at the
daemon while its client is alive.

Usage: python -I privsep_client.py '<json: pid, tid, cpu, irq,
helper_command>'
"""

import json
import os
import sys

from oslo_config import cfg

from rtnova.privsep import access as access_mod

CONTEXT = 'rtnova.privsep.context.host_pctxt'


def _errno(call, *args):
    try:
        call(*args)
    except OSError as exc:
        return exc.errno
    return 0


def _read(path):
    with open(path) as fh:
        return fh.read()


def _write(path, text):
    with open(path, 'w') as fh:
        fh.write(text)


def _daemons():
    found = set()
    for entry in os.listdir('/proc'):
        try:
            cmdline = _read('/proc/%s/cmdline' % entry)
        except OSError:
            continue
        if 'privsep-helper' in cmdline and CONTEXT in cmdline:
            found.add(int(entry))
    return found


def main():
    args = json.loads(sys.argv[1])
    access = access_mod.PrivilegedHostAccess()
    cfg.CONF([], project='rtnova-privsep-test')
    cfg.CONF.set_override('helper_command', args['helper_command'],
                          group='rtnova_privileged')
    pid, tid, cpu, irq = args['pid'], args['tid'], args['cpu'], args['irq']
    irq_path = '/proc/irq/%d/smp_affinity_list' % irq
    out = {'uid': os.getuid(), 'direct': {
        'affinity': _errno(os.sched_setaffinity, tid, {cpu}),
        'numa_maps': _errno(_read, '/proc/%d/numa_maps' % pid),
        'irq': _errno(_write, irq_path, '%d\n' % cpu)}}
    before = _daemons()
    access.set_thread_affinity(tid, [cpu])
    access.set_thread_scheduler(tid, 'fifo', args['priority'])
    out['numa_maps'] = [
        m.address for m in access.reader().numa_maps(pid)]
    access.write_irq_affinity(irq, str(cpu))
    out['daemons'] = sorted(_daemons() - before)
    print(json.dumps(out), flush=True)
    sys.stdin.read()


if __name__ == '__main__':
    main()
