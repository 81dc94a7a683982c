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

"""The compute driver's post-start steps, run on the probe's domain.

After every start of a guest the driver places its KVM kernel threads
(``kvm-pit`` next to vCPU 0, at SCHED_FIFO P+1 when vCPU 0 is real-time),
moves emulator threads that libvirt left off ``<emulatorpin>`` onto it,
and reads the guest's threads back (``rtnova.verify.readback``). The probe
calls the same functions, so it measures the guest the driver makes, and
``rtnova-verify`` finds no drift on its domain.
"""

from rtnova.verify import domain as domain_mod
from rtnova.verify import readback


def apply(dom, proc=None):
    """Run the driver's post-start steps on ``dom``; notes for the result.

    Never raises: a probe domain that cannot be placed still measures,
    and the notes say what was left as it was.
    """
    try:
        failures = readback.place_threads(dom, proc)
        intent, _pid, _threads, facts = readback.read_back(dom, proc)
    except (domain_mod.VerifyError, OSError) as exc:
        return ['the driver\'s post-start steps could not run on the probe '
                'domain: %s' % exc]
    notes = []
    if failures:
        notes.append('threads not placed as the driver places them: %s'
                     % '; '.join(failures))
    if not readback.is_realtime(intent):
        notes.append('post-start: no real-time vCPU, so no KVM kernel '
                     'thread to place (as the driver does)')
    elif facts:
        notes.append('post-start read-back (the driver\'s): drift: %s'
                     % readback.describe(facts))
    else:
        notes.append('post-start read-back (the driver\'s): KVM kernel '
                     'threads placed, no drift')
    return notes
