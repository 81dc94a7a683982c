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

"""Which vCPU runs where and how: the plan, checked on the live threads.

The probe domain has no ``<topology>``, so QEMU numbers APIC IDs 0..n-1
in vCPU order: the guest's ``cpu=`` is the vCPU number.
"""

from rtnova.hardware import threads as threads_mod
from rtnova.hostfs import host_reader
from rtnova.probe import results
from rtnova.verify import domain as verify_domain


def planned(preview):
    """vCPU -> results.VCPUFacts as the plan says."""
    request, plan = preview.request, preview.plan
    pins = dict(plan.vcpupin)
    facts = {}
    for vcpu in range(request.vcpus):
        realtime = vcpu in request.rt_vcpus
        facts[vcpu] = results.VCPUFacts(
            vcpu=vcpu, pcpus=frozenset(pins.get(vcpu, ())),
            realtime=realtime,
            policy=request.rt_policy if realtime else 'other',
            priority=request.rt_priority if realtime else 0)
    return facts


def target_pcpu(preview):
    """The pCPU load is planted on: the first real-time vCPU's.

    The first vCPU's when the flavor has none.
    """
    request = preview.request
    vcpu = min(request.rt_vcpus) if request.rt_vcpus else 0
    pcpus = dict(preview.plan.vcpupin).get(vcpu)
    return min(pcpus) if pcpus else None


def facts(preview, dom, notes, proc=None):
    """The plan's facts with the live affinity and scheduling.

    A difference between the two is named in ``notes``; when the live
    threads cannot be read the plan is reported and that is said.
    """
    plan = planned(preview)
    proc = proc or host_reader.HostReader()
    try:
        pid = verify_domain.qemu_pid(dom, proc)
        threads = {t.index: t for t in proc.process_threads(pid)
                   if t.kind == threads_mod.VCPU}
    except (verify_domain.VerifyError, OSError) as exc:
        notes.append('live vCPU threads not read (%s): the plan is shown'
                     % exc)
        return plan
    live = {}
    for vcpu, fact in plan.items():
        thread = threads.get(vcpu)
        if thread is None:
            notes.append('vCPU %d: no live thread found' % vcpu)
            live[vcpu] = fact
            continue
        live[vcpu] = results.VCPUFacts(
            vcpu=vcpu, pcpus=thread.affinity, realtime=fact.realtime,
            policy=thread.policy, priority=thread.priority)
        if (fact.pcpus, fact.policy, fact.priority) != (
                thread.affinity, thread.policy, thread.priority):
            notes.append('vCPU %d runs %s %d on %s, the plan said %s %d '
                         'on %s' % (vcpu, thread.policy, thread.priority,
                                    sorted(thread.affinity), fact.policy,
                                    fact.priority, sorted(fact.pcpus)))
    return live
