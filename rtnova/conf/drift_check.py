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

"""Reading back the real-time threads of running guests."""

from oslo_config import cfg

OPTS = [
    cfg.IntOpt(
        'realtime_drift_check_interval',
        default=0,
        min=0,
        help="""
Seconds between two checks of the running real-time guests' threads; 0
turns the periodic check off.

Each check reads every real-time guest's vCPU, I/O and emulator threads
from /proc (what ``rtnova-verify`` does) and compares their scheduling
policy, priority and CPU affinity with the guest's live XML. A guest whose
threads drifted (someone ran ``taskset`` or ``chrt``, a tuned profile
re-pinned threads, libvirt could not apply ``<vcpusched>`` without
CAP_SYS_NICE) gets an error in the compute log, an instance fault and an
instance action event ``rtnova_realtime_readback`` naming the facts. The
same read-back runs once after every spawn, hard reboot, resume and
incoming live migration, whatever this option says.

Related options: ``realtime_drift_repair``.
"""),
    cfg.BoolOpt(
        'realtime_drift_repair',
        default=False,
        help="""
Re-apply what drifted after reporting it: vCPU pins through libvirt and
vCPU scheduling with sched_setscheduler(2). Off by default: a drift is
usually an operator's or another tool's decision, and silently undoing it
hides the conflict.

Related options: ``realtime_drift_check_interval``.
"""),
]
