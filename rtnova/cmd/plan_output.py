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

"""What ``rtnova-plan`` prints: a plain dict (``--json``) and its text form.

The XML fragment is rendered by ``rtnova.domain_xml.writer``, the renderer
the compute driver puts into its guests.
"""

from rtnova.domain_xml import writer
from rtnova.hardware import cpuset
from rtnova.hardware import policies

_SCHED = {policies.FIFO: 'SCHED_FIFO', policies.RR: 'SCHED_RR'}


def _spec(cpus):
    return cpuset.format_cpu_spec(cpus) if cpus else ''


def host_summary(host):
    return {
        'name': host.name,
        'cells': [{
            'id': cell.id,
            'cpus': _spec(cell.cpus),
            'dedicated': _spec(cell.pcpuset),
            'shared': _spec(cell.cpuset),
            'emulator_pool': _spec(cell.cpus & host.emulator_pool),
            'memory_mb': cell.memory_mb,
            'free_hugepages': {str(p.size_kb): p.free for p in cell.mempages
                               if p.size_kb > 4},
        } for cell in host.cells],
        'emulator_pool': _spec(host.emulator_pool),
        'emulator_pool_capacity': host.pool_capacity,
        'emulator_pool_used': host.pool_used,
    }


def _vcpus(result):
    request, plan = result.request, result.plan
    pins = dict(plan.vcpupin)
    host_cell = {v: c.host_cell for c in result.cells for v in c.vcpus}
    rows = []
    for vcpu in range(request.vcpus):
        realtime = vcpu in request.rt_vcpus
        rows.append({
            'vcpu': vcpu,
            'pcpus': _spec(pins.get(vcpu, ())),
            'host_node': host_cell.get(vcpu),
            'realtime': realtime,
            'policy': _SCHED[request.rt_policy] if realtime else
            'SCHED_OTHER',
            'priority': request.rt_priority if realtime else 0,
        })
    return rows


def _emulator(result):
    plan = result.plan
    if plan.uses_pool:
        where = 'the emulator pool ([rtnova] emulator_pin_set)'
    elif result.request.emulator_policy == policies.EMULATOR_ISOLATE:
        where = 'an extra dedicated pCPU (hw:emulator_threads_policy=isolate)'
    elif (result.request.emulator_policy == policies.EMULATOR_SHARE and
          plan.emulatorpin.isdisjoint(result.plan_pcpus)):
        where = '[compute] cpu_shared_set (hw:emulator_threads_policy=share)'
    else:
        where = 'the pCPUs of the non-real-time vCPUs (nova without a pool)'
    return {
        'pcpus': _spec(plan.emulatorpin),
        'where': where,
        'on_realtime_pcpus': not plan.emulatorpin.isdisjoint(
            result.rt_pcpus),
        'sched': (None if plan.emulatorsched is None else
                  '%s:%s' % (plan.emulatorsched.policy,
                             plan.emulatorsched.priority)),
    }


def _memory(result):
    plan = result.plan
    sizes = {c.guest_cell: c.pagesize_kb for c in result.cells}
    cells = {c.id: c for c in result.request.topology.cells}
    return {
        'nodes': [{
            'guest_cell': guest_cell,
            'host_node': host_cell,
            'memory_mb': cells[guest_cell].memory_mb,
            'page_size_kb': sizes.get(guest_cell),
            'pages': (cells[guest_cell].memory_mb * 1024 //
                      sizes[guest_cell] if sizes.get(guest_cell) else None),
        } for guest_cell, host_cell in plan.memnodes],
        'mode': 'strict',
        'locked': plan.locked,
        'nosharepages': plan.nosharepages,
    }


class _Facts(object):
    """A preview with the derived CPU sets the output needs."""

    def __init__(self, result):
        self.request = result.request
        self.plan = result.plan
        self.cells = result.cells
        pins = dict(result.plan.vcpupin)
        self.plan_pcpus = frozenset().union(*pins.values())
        self.rt_pcpus = frozenset().union(
            *(pins[v] for v in result.request.rt_vcpus if v in pins))


def to_dict(flavor, host, result):
    request = result.request
    data = {
        'flavor': {
            'name': flavor.get('name', 'flavor'),
            'vcpus': flavor['vcpus'],
            'memory_mb': flavor['memory_mb'],
            'extra_specs': dict(flavor.get('extra_specs') or {}),
            'image_properties': dict(flavor.get('image_properties') or {}),
        },
        'host': host_summary(host),
        'fits': result.fits,
        'reason': None if result.fits else result.result.reason,
        'realtime_vcpus': _spec(request.rt_vcpus),
        'guest_hints': None,
    }
    if result.hints is not None:
        data['guest_hints'] = {
            'isolated_cpus': result.hints.isolated_cpus,
            'kernel_cmdline': result.hints.cmdline,
            'tuned_profile': result.hints.tuned_profile,
            'tuned_variables': result.hints.tuned_variables,
            'notes': list(result.hints.notes),
        }
    if result.fits:
        facts = _Facts(result)
        data.update({
            'vcpus': _vcpus(facts),
            'emulator_threads': _emulator(facts),
            'iothreads': [{'iothread': i, 'pcpus': _spec(c)}
                          for i, c in result.plan.iothreadpin],
            'memory': _memory(facts),
            'emulator_pool_units': result.result.pool_units,
            'libvirt_xml': writer.fragment(result.plan),
        })
    return data


def _write_inputs(data, out):
    flavor = data['flavor']
    out.write('Flavor %s: %d vCPUs, %d MiB\n' % (
        flavor['name'], flavor['vcpus'], flavor['memory_mb']))
    for key, value in sorted(flavor['extra_specs'].items()):
        out.write('  %s=%s\n' % (key, value))
    for key, value in sorted(flavor['image_properties'].items()):
        out.write('  image %s=%s\n' % (key, value))
    host = data['host']
    out.write('Host %s\n' % host['name'])
    for cell in host['cells']:
        pages = ', '.join('%s x %s KiB' % (n, size) for size, n in
                          sorted(cell['free_hugepages'].items())) or 'none'
        out.write('  NUMA node %s: CPUs %s, dedicated %s, emulator pool %s,'
                  ' %s MiB, free hugepages: %s\n' % (
                      cell['id'], cell['cpus'], cell['dedicated'] or '-',
                      cell['emulator_pool'] or '-', cell['memory_mb'],
                      pages))


def _write_threads(data, out):
    for row in data['vcpus']:
        sched = row['policy'] + (' %d' % row['priority']
                                 if row['realtime'] else '')
        out.write('  vCPU %d -> pCPU %s (node %s)  %s%s\n' % (
            row['vcpu'], row['pcpus'], row['host_node'], sched,
            '  real-time' if row['realtime'] else ''))
    emu = data['emulator_threads']
    out.write('  emulator threads -> pCPU %s: %s%s\n' % (
        emu['pcpus'], emu['where'],
        '  WARNING: on real-time pCPUs' if emu['on_realtime_pcpus'] else ''))
    for io in data['iothreads']:
        out.write('  I/O thread %d -> pCPU %s\n' % (io['iothread'],
                                                    io['pcpus']))


def _write_memory(memory, out):
    for node in memory['nodes']:
        size = node['page_size_kb']
        backing = ('%d x %d KiB pages' % (node['pages'], size) if size
                   else 'small pages')
        out.write('  memory: guest node %d: %d MiB as %s on host node %d '
                  '(%s)\n' % (node['guest_cell'], node['memory_mb'], backing,
                              node['host_node'], memory['mode']))
    out.write('  memory locked: %s, shared pages: %s\n' % (
        'yes' if memory['locked'] else 'no',
        'no' if memory['nosharepages'] else 'yes'))


def _write_hints(data, out):
    hints = data['guest_hints']
    if not hints:
        return
    out.write('Guest hints (real-time vCPUs %s):\n' % data['realtime_vcpus'])
    out.write('  kernel command line: %s\n' % hints['kernel_cmdline'])
    if hints['tuned_variables']:
        out.write('  tuned %s: %s\n' % (hints['tuned_profile'],
                                        hints['tuned_variables']))
    for note in hints['notes']:
        out.write('  note: %s\n' % note)


def write_text(data, out):
    """The plan for humans: inputs, decision, threads, memory, XML."""
    _write_inputs(data, out)
    if not data['fits']:
        out.write('Decision: does NOT fit: %s\n' % data['reason'])
        return
    nodes = sorted({row['host_node'] for row in data['vcpus']})
    out.write('Decision: fits on NUMA node(s) %s\n' %
              ','.join(str(n) for n in nodes))
    _write_threads(data, out)
    _write_memory(data['memory'], out)
    _write_hints(data, out)
    out.write('libvirt XML (as the compute driver writes it):\n')
    for line in data['libvirt_xml'].splitlines():
        out.write('  %s\n' % line)
