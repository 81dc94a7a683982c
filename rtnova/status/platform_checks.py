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

"""Checks of the platform under the guests: the PREEMPT_RT kernel, KVM
(module parameters, LAPIC timer advance, /dev/kvm, bare metal or nested),
libvirt and tuned.

Each takes (probe, sets) and returns (code, details, fix).
"""

from rtnova.status import result

SUCCESS, WARNING, FAILURE = result.SUCCESS, result.WARNING, result.FAILURE


# nova 34's floor (nova.virt.libvirt.driver.MIN_LIBVIRT_VERSION); below it
# nova-compute refuses to start at all.
MIN_LIBVIRT_VERSION = (8, 0, 0)


def check_realtime_kernel(probe, sets):
    version = probe.kernel_version()
    if probe.kernel_realtime_flag() == '1' or 'PREEMPT_RT' in version:
        return SUCCESS, 'PREEMPT_RT kernel (%s)' % version, ''
    return (FAILURE,
            'the running kernel is not PREEMPT_RT (uname -v: %s); vCPU '
            'threads can be delayed by non-preemptible kernel sections'
            % (version or 'unknown'),
            'install and boot a real-time kernel (kernel-rt, '
            'linux-image-rt-amd64)')


def check_lapic_timer_advance(probe, sets):
    value = probe.lapic_timer_advance()
    if value is None:
        return (FAILURE, 'the kvm module is not loaded',
                'modprobe kvm_intel (or kvm_amd)')
    kind, setting = value
    if kind == 'ns':
        if setting == 0:
            return (WARNING, 'kvm lapic_timer_advance_ns = 0: guest timer '
                    'interrupts arrive late by the VM entry latency',
                    'options kvm lapic_timer_advance_ns=-1 (adaptive) in '
                    '/etc/modprobe.d/kvm.conf, then reload kvm')
        what = 'adaptive' if setting < 0 else '%d ns' % setting
        return SUCCESS, 'kvm lapic_timer_advance_ns = %d (%s)' % (
            setting, what), ''
    if setting.upper().startswith('Y') or setting == '1':
        return SUCCESS, ('kvm lapic_timer_advance = %s (adaptive timer '
                         'advance; this kernel has no _ns parameter)'
                         % setting), ''
    return (WARNING, 'kvm lapic_timer_advance = %s: guest timer interrupts '
            'arrive late by the VM entry latency' % setting,
            'options kvm lapic_timer_advance=Y in /etc/modprobe.d/kvm.conf')


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


def check_tuned_profile(probe, sets):
    profile = probe.tuned_profile()
    if profile and 'realtime-virtual-host' in profile.split():
        return SUCCESS, 'tuned profile: %s' % profile, ''
    shown = profile or 'none (tuned not installed or not active)'
    return (WARNING, 'tuned profile: %s' % shown,
            'tuned-adm profile realtime-virtual-host (with isolated_cores '
            'in /etc/tuned/realtime-virtual-host-variables.conf)')


def check_libvirt_version(probe, sets):
    version = probe.libvirt_version()
    if version is None:
        return (FAILURE, 'libvirt is not available (no libvirt-python)',
                'pip install libvirt-python and install libvirt-daemon')
    text = '.'.join(str(v) for v in version)
    if tuple(version) < MIN_LIBVIRT_VERSION:
        return (FAILURE, 'libvirt %s is older than nova 34 supports (%s)' % (
            text, '.'.join(str(v) for v in MIN_LIBVIRT_VERSION)),
            'upgrade libvirt')
    return SUCCESS, 'libvirt %s' % text, ''


def check_kvm_device(probe, sets):
    exists, usable = probe.kvm_device()
    if not exists:
        return (FAILURE, '/dev/kvm does not exist: no hardware '
                'virtualization', 'enable VT-x/AMD-V in the BIOS and load '
                'kvm_intel or kvm_amd')
    if not usable:
        return (FAILURE, '/dev/kvm is not readable and writable by this '
                'user', 'run as root or add the user to the kvm group')
    return SUCCESS, '/dev/kvm is usable', ''
