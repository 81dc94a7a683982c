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

"""rtnova-shield: keep the host's work off the dedicated CPUs at run time.

``shield_host`` reads and writes under an injectable root; ``confine``
picks how tasks are confined: ``cpuset_v1`` (a cgroup v1 cpuset
hierarchy), ``systemd_units`` (``systemctl``: AllowedCPUs= of systemd's
units on cgroup v2) or ``cpuset_v2`` (a cgroup v2 cpuset without systemd).
``apply`` and ``check`` are the command's three actions (apply,
``--undo``, ``--check``); the decisions are in
``rtnova/hardware/shield_plan.py``, ``shield_cgroups.py`` and
``shield_knobs.py``.
"""
