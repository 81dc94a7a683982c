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

"""Apply the shield, and undo it exactly.

Apply: validate first (nothing changes on bad input), then the tasks'
confinement (``confine``: a cgroup v1 cpuset, systemd's AllowedCPUs= or a
cgroup v2 cpuset), the IRQs, the kernel knobs, and the persistence files
where systemd is the init system. Every kernel file written is recorded
with the value found there (``state``) before the write; ``undo`` writes
those values back in reverse order and undoes the confinement.
"""

import os

from rtnova.hardware import cpuset
from rtnova.hardware import errors
from rtnova.hardware import shield_knobs
from rtnova.hardware import shield_plan
from rtnova.shield import confine
from rtnova.shield import starvation_guard
from rtnova.shield import state as state_mod

_fmt = cpuset.format_cpu_spec
PERSIST_FILES = {
    'systemd': 'etc/systemd/system.conf.d/50-rtnova-shield.conf',
    'sysctl': 'etc/sysctl.d/50-rtnova-shield.conf',
    'tmpfiles': 'etc/tmpfiles.d/50-rtnova-shield.conf',
}


class CannotShield(errors.RtnovaError):
    """The host cannot be shielded as asked (exit code 2).

    The shield package's one error base, under rtnova's.
    """


def validate(host, dedicated, saved):
    """(housekeeping CPUs, the way tasks are confined); raises before any
    change.
    """
    keep = shield_plan.housekeeping(host.online_cpus(), dedicated)
    way = confine.choose(host)
    if saved and frozenset(saved['dedicated']) != frozenset(dedicated):
        raise CannotShield(
            'the shield is already applied to CPUs %s: run rtnova-shield '
            '--undo first' % _fmt(frozenset(saved['dedicated'])))
    return keep, way


def _write_recorded(host, data, relative, value):
    """Write a kernel file, recording its old value; error text or ''."""
    old = host.read(relative)
    if old is None:
        return 'cannot read /%s' % relative
    try:
        host.write(relative, value)
    except OSError as exc:
        return '/%s: the kernel refused %s (%s)' % (relative, value,
                                                    exc.strerror)
    # recorded once written: a refused write has nothing to undo
    state_mod.record_file(data, relative, old)
    return ''


def shield_irqs(host, data, keep):
    """Point every IRQ that may reach a dedicated CPU at housekeeping."""
    moved, refused = [], []
    for irq, cpus in sorted(host.irq_affinities().items()):
        target = shield_plan.irq_target(cpus, keep)
        if target is None:
            continue
        problem = _write_recorded(host, data, 'proc/irq/%d/'
                                  'smp_affinity_list' % irq, _fmt(target))
        if problem:
            # managed and per-CPU interrupts say EIO: the kernel owns them
            refused.append('IRQ %d: %s' % (irq, problem))
        else:
            moved.append(irq)
    return moved, refused


def set_knobs(host, data, knobs):
    done, refused = [], []
    for knob in knobs:
        if knob.holds(host.read(knob.path)):
            done.append('%s = %s (already)' % (knob.name, knob.value))
            continue
        problem = _write_recorded(host, data, knob.path, knob.value)
        if problem:
            refused.append('%s: %s' % (knob.name, problem))
        else:
            done.append('%s = %s: %s' % (knob.name, knob.value, knob.why))
    return done, refused


def _persist_texts(knobs, keep):
    sysctls = ''.join('%s = %s\n' % (k.name, k.value) for k in knobs
                      if k.path.startswith('proc/sys/'))
    writes = ''.join('w /%s - - - - %s\n' % (k.path, k.value) for k in knobs
                     if not k.path.startswith('proc/sys/'))
    head = '# written by rtnova-shield; rtnova-shield --undo removes it\n'
    return {
        'systemd': head + '[Manager]\nCPUAffinity=%s\n' % _fmt(keep),
        'sysctl': head + sysctls,
        'tmpfiles': head + writes,
    }


def persist(host, data, knobs, keep):
    """Persistence files where systemd is PID 1; lines saying what."""
    if not host.systemd_runs():
        return ['not persisted: systemd is not the init system here (PID '
                '1 is %s), so no drop-in takes effect at boot; run '
                'rtnova-shield from the host\'s start-up scripts'
                % host.init_name()]
    texts = {PERSIST_FILES[kind]: text
             for kind, text in _persist_texts(knobs, keep).items()}
    texts.update(confine.persist_texts(data, keep))
    lines = []
    for relative, text in sorted(texts.items()):
        os.makedirs(os.path.dirname(host.path(relative)), exist_ok=True)
        if all(path != relative for path, _ in data['persisted']):
            # an operator's file of that name comes back on undo
            data['persisted'].append([relative, host.read(relative)])
        host.write(relative, text)
        lines.append('persisted: /%s' % relative)
    confine.persisted(host, data)
    return lines


def apply(host, dedicated, state_path):
    """Shield ``dedicated``; returns the report lines."""
    saved = state_mod.load(state_path)
    keep, way = validate(host, dedicated, saved)
    data = saved or state_mod.new(dedicated, keep, way)
    server = host.fair_server(dedicated).state
    knobs, left = starvation_guard.knobs_for(host, keep, dedicated)
    lines = ['housekeeping CPUs %s, dedicated CPUs %s'
             % (_fmt(keep), _fmt(frozenset(dedicated)))]
    state_mod.save(state_path, data)
    lines += confine.confine(host, data, keep,
                             lambda: state_mod.save(state_path, data))
    irqs, irq_refused = shield_irqs(host, data, keep)
    state_mod.save(state_path, data)
    lines.append('IRQs moved to %s: %s' % (
        _fmt(keep), ', '.join(str(i) for i in irqs) or 'none needed'))
    lines += ['  not moved: %s' % r for r in irq_refused]
    done, knob_refused = set_knobs(host, data, knobs)
    state_mod.save(state_path, data)
    lines += ['set: %s' % d for d in done]
    lines += ['not set: %s' % r for r in knob_refused]
    lines += ['left alone: %s: %s' % item for item in left]
    lines += persist(host, data, knobs, keep)
    state_mod.save(state_path, data)
    lines += ['run time cannot: %s: %s; fix: %s' % limit
              for limit in shield_knobs.boot_time_limits(
                  frozenset(dedicated), host.cmdline(), server)]
    return lines


def undo(host, state_path):
    """Put back what the saved state says; returns the report lines."""
    data = state_mod.load(state_path)
    if data is None:
        raise CannotShield('the shield is not applied (no state file %s)'
                           % state_path)
    lines, failed = [], []
    for relative, original in reversed(data['persisted']):
        if original is None:
            # a second undo after an incomplete one finds it gone
            if host.exists(relative):
                host.remove_file(relative)
            lines.append('removed: /%s' % relative)
        else:
            host.write(relative, original)
            lines.append('restored: /%s' % relative)
    for relative, original in reversed(data['files']):
        try:
            host.write(relative, original)
            lines.append('restored: /%s = %s' % (relative, original))
        except OSError as exc:
            failed.append('/%s: %s' % (relative, exc.strerror))
    released, not_released = confine.release(host, data)
    lines += released
    failed += not_released
    if failed:
        raise CannotShield('undo incomplete (state kept in %s): %s'
                           % (state_path, '; '.join(failed)))
    state_mod.remove(state_path)
    return lines
