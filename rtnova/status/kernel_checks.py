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

"""Checks of kernel features that cost a real-time vCPU latency: deep idle
states, KVM module parameters, KSM and transparent hugepages.

Each takes (probe, sets) and returns (code, details, fix). All of them end in
Warning at worst: they add latency, they do not stop a guest from working.
"""

from rtnova.status import result

SUCCESS, WARNING, FAILURE = result.SUCCESS, result.WARNING, result.FAILURE
_fmt = result.fmt
kernel_cpu_list = result.kernel_cpu_list

# An idle state whose exit latency is above this is "deep" (C1 exits in
# 1-2 us on current x86 parts; C1E and below take 10 us and far more).
DEEP_STATE_US = 2
# what /dev/cpu_dma_latency reads when nobody asks for a limit
NO_LATENCY_LIMIT = 2000000000
DMA_LATENCY = '/dev/cpu_dma_latency'


def _cmdline_value(cmdline, key):
    value = None
    for word in cmdline.split():
        name, sep, arg = word.partition('=')
        if name == key:
            value = arg if sep else ''
    return value


def _power_management_note(sets):
    if not sets.power_management:
        return ('nova\'s [libvirt] cpu_power_management is off: nova leaves '
                'the power state of these CPUs alone')
    if sets.power_strategy == 'governor':
        return ('nova\'s [libvirt] cpu_power_management (strategy governor) '
                'switches unused dedicated CPUs to cpu_power_governor_low '
                'and back for guests; it does not limit C-states')
    return ('nova\'s [libvirt] cpu_power_management (strategy cpu_state) '
            'takes unused dedicated CPUs offline and back online for '
            'guests; it does not limit the C-states of online CPUs')


def _idle_limits(probe):
    """(what limits idle depth, PM QoS limit in us or None)."""
    cmdline = probe.cmdline()
    limits = ['%s=%s' % (key, _cmdline_value(cmdline, key))
              for key in ('intel_idle.max_cstate', 'processor.max_cstate')
              if _cmdline_value(cmdline, key) is not None]
    max_cstate = probe.intel_idle_max_cstate()
    if max_cstate is not None:
        limits.append('intel_idle max_cstate %d' % max_cstate)
    qos = probe.cpu_dma_latency()
    if qos is None or qos >= NO_LATENCY_LIMIT:
        return limits, None
    holders = probe.holders_of(DMA_LATENCY)
    limits.append('%s = %d us held by %s' % (
        DMA_LATENCY, qos, ', '.join('%s (pid %d)' % (name, pid) for
                                    pid, name in sorted(holders.items()))
        or 'an unknown process'))
    return limits, qos


def _reachable_deep_states(probe, cpus, qos):
    """{cpu: [state text]} of deep states the idle governor may pick.

    cpuidle governors skip states whose exit latency exceeds the PM QoS
    limit (``/dev/cpu_dma_latency``) and states whose ``disable`` is set.
    """
    deep, any_states = {}, False
    for cpu in sorted(cpus):
        states = probe.idle_states(cpu)
        any_states = any_states or bool(states)
        reachable = ['%s (%d us)' % (s.name, s.latency_us) for s in states
                     if s.latency_us > DEEP_STATE_US and not s.disabled and
                     (qos is None or s.latency_us <= qos)]
        if reachable:
            deep[cpu] = reachable
    return deep, any_states


def check_cpu_idle(probe, sets):
    online = probe.online_cpus() or frozenset()
    cpus = (sets.dedicated & online if online else sets.dedicated) or online
    which = 'dedicated CPUs' if sets.dedicated else 'CPUs (no dedicated set)'
    note = _power_management_note(sets)
    offline = sets.dedicated - online if online else frozenset()
    if offline:
        note += '; CPUs %s are offline' % _fmt(offline)
    if _cmdline_value(probe.cmdline(), 'idle') == 'poll':
        return SUCCESS, 'idle=poll: CPUs never leave C0; %s' % note, ''
    limits, qos = _idle_limits(probe)
    deep, any_states = _reachable_deep_states(probe, cpus, qos)
    limited = '; limits: %s' % ', '.join(limits) if limits else ''
    if not any_states:
        return SUCCESS, ('no cpuidle states (driver %s): idle %s only halt '
                         '(C1)%s; %s' % (probe.idle_driver() or 'none', which,
                                         limited, note)), ''
    if not deep:
        return SUCCESS, ('no idle state deeper than %d us reachable on %s '
                         '%s%s; %s' % (DEEP_STATE_US, which, _fmt(cpus),
                                       limited, note)), ''
    first = min(deep)
    shown = '; '.join('CPU %d: %s' % (c, ', '.join(deep[c]))
                      for c in sorted(deep)[:4])
    more = ' and %d more CPUs' % (len(deep) - 4) if len(deep) > 4 else ''
    return (WARNING,
            'deep C-states reachable on %s %s: %s%s. Waking from them adds '
            'up to their exit latency to every interrupt of an idle vCPU '
            '(SEAPATH measured in-guest maximum latency grow from ~60 us '
            'to over 40 ms)%s; %s' % (which, _fmt(frozenset(deep)), shown,
                                      more, limited, note),
            'boot with intel_idle.max_cstate=1 processor.max_cstate=1, or '
            'disable the states (echo 1 > /sys/devices/system/cpu/cpu%d/'
            'cpuidle/stateN/disable for each deep N and dedicated CPU), or '
            'hold %s open at 0 (tuned\'s force_latency does)'
            % (first, DMA_LATENCY))


def _kvm_vendor_problems(probe):
    """(problems, note) about pause-loop exiting of the vendor module."""
    intel = probe.module_params('kvm_intel')
    amd = probe.module_params('kvm_amd')
    if intel is not None:
        gap = intel.get('ple_gap', '0')
        return ([] if gap == '0' else [
            'kvm_intel ple_gap=%s: a vCPU spinning on PAUSE exits to the '
            'host (pause-loop exiting)' % gap]), ''
    if amd is not None:
        count = amd.get('pause_filter_count', '0')
        return ([] if count == '0' else [
            'kvm_amd pause_filter_count=%s: a vCPU spinning on PAUSE exits '
            'to the host (pause filtering)' % count]), ''
    others = probe.loaded_kvm_modules()
    return [], ('; no kvm_intel or kvm_amd loaded (%s): pause-loop exiting '
                'not checked' % (', '.join(others) or 'no vendor module'))


def describe_hypervisor(probe):
    """(kind, what it means for a real-time guest), or None on bare metal.

    Read from the CPU flags and the loaded KVM modules: the ``hypervisor``
    flag says this host is itself a guest; KVM without the ``vmx``/``svm``
    flag is a paravirtual KVM (``kvm_pvm``); with them it is nested
    hardware virtualisation (the vendor module's ``nested`` parameter says
    whether this host passes it on to its own guests).
    """
    flags = probe.cpu_flags()
    modules = probe.loaded_kvm_modules()
    hardware = sorted(flags & {'vmx', 'svm'})
    in_vm = 'hypervisor' in flags
    if not in_vm and hardware:
        return None
    outer = ('this host is itself a virtual machine (CPU flag '
             '\'hypervisor\'): the outer hypervisor schedules its CPUs, so '
             'a real-time guest\'s latency is bounded by it, not by this '
             'host\'s tuning; host noise reaches milliseconds' if in_vm else
             'KVM runs without hardware virtualisation')
    if not hardware:
        kind = 'paravirtual KVM (%s; no VMX/SVM CPU flag)' % (
            ', '.join(modules) or 'no KVM vendor module')
        meaning = ('%s; every rdtsc in a guest traps to the hypervisor, so '
                   'a guest-side latency probe resolves ~20-25 us at best '
                   '(rtnova-probe\'s loop turn measured here), and QEMU '
                   'may refuse CPU features libvirt\'s host-model offers '
                   '(guests then fail to start with "failed to set MSR": '
                   'set [libvirt] cpu_mode = none)' % outer)
        return kind, meaning
    nested = [
        '%s nested=%s' % (m, (probe.module_params(m) or {}).get('nested'))
        for m in modules if (probe.module_params(m) or {}).get('nested')]
    kind = 'nested KVM (%s under another hypervisor%s)' % (
        '/'.join(hardware), '; ' + ', '.join(nested) if nested else '')
    return kind, '%s; VM exits of a guest go through two hypervisors' % outer


def check_hypervisor(probe, sets):
    found = describe_hypervisor(probe)
    if found is None:
        return SUCCESS, 'bare metal: hardware virtualisation (%s)' % (
            '/'.join(sorted(probe.cpu_flags() & {'vmx', 'svm'}))), ''
    kind, meaning = found
    return (WARNING, '%s: %s' % (kind, meaning),
            'run real-time guests on bare metal (or on a hypervisor that '
            'dedicates physical cores to this host); here, use rtnova for '
            'functional tests and compare latency cases side by side in '
            'one run')


def check_kvm_module(probe, sets):
    params = probe.module_params('kvm')
    if params is None:
        return (WARNING, 'the kvm module is not loaded',
                'modprobe kvm_intel (or kvm_amd)')
    problems = []
    if params.get('kvmclock_periodic_sync', 'N') in ('Y', '1'):
        problems.append('kvmclock_periodic_sync=%s: KVM refreshes every '
                        'guest\'s kvmclock every 300 s, kicking each vCPU '
                        'out of the guest' % params['kvmclock_periodic_sync'])
    if params.get('nx_huge_pages', 'N') in ('Y', 'force'):
        problems.append('nx_huge_pages=%s: executable guest huge pages are '
                        'split and the kvm-nx-lpage-recovery thread runs '
                        'periodically' % params['nx_huge_pages'])
    vendor, note = _kvm_vendor_problems(probe)
    problems += vendor
    halt = params.get('halt_poll_ns')
    if halt is not None:
        note += ('; halt_poll_ns=%s (left as is: tuned\'s '
                 'realtime-virtual-host does not set it, and polling spins on '
                 'the halted vCPU\'s own pCPU)' % halt)
    if not problems:
        return SUCCESS, ('kvm: kvmclock_periodic_sync off, nx_huge_pages off, '
                         'pause-loop exiting off%s' % note), ''
    return (WARNING, '%s%s' % ('; '.join(problems), note),
            'in /etc/modprobe.d/kvm-rt.conf: "options kvm '
            'kvmclock_periodic_sync=0 nx_huge_pages=0" and "options '
            'kvm_intel ple_gap=0" (kvm_amd: pause_filter_count=0), then '
            'reload the modules with no guest running (tuned '
            'realtime-virtual-host writes the same to '
            '/etc/modprobe.d/kvm.rt.tuned.conf; nx_huge_pages=0 drops the '
            'iTLB multihit mitigation, see /sys/devices/system/cpu/'
            'vulnerabilities/itlb_multihit)')


def check_ksm(probe, sets):
    run = probe.ksm_run()
    if run is None:
        return SUCCESS, 'no KSM in this kernel', ''
    if run in (0, 2):
        return SUCCESS, 'KSM stopped (/sys/kernel/mm/ksm/run = %d)' % run, ''
    return (WARNING,
            'KSM runs (/sys/kernel/mm/ksm/run = %d): ksmd scans and merges '
            'guest memory in the background; real-time guests are marked '
            'nosharepages, but ksmd still takes CPU time and memory locks '
            'and a write to a merged page of another guest faults' % run,
            'echo 2 > /sys/kernel/mm/ksm/run and systemctl disable --now ksm '
            'ksmtuned (tuned realtime-virtual-host does both)')


def check_thp(probe, sets):
    mode = probe.thp_enabled()
    if mode is None:
        return SUCCESS, 'no transparent hugepages in this kernel', ''
    if mode != 'always':
        return SUCCESS, 'transparent hugepages: %s' % mode, ''
    return (WARNING,
            'transparent hugepages: always: any anonymous mapping may fault '
            'in a huge page (with direct compaction stalls) and khugepaged '
            'collapses pages in the background',
            'echo madvise > /sys/kernel/mm/transparent_hugepage/enabled (or '
            'never; boot with transparent_hugepage=madvise to keep it): '
            'real-time guests get explicit hugepages (hw:mem_page_size)')
