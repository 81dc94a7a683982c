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

"""rtnova: real-time instances for OpenStack Nova (libvirt/KVM).

Layout, lowest layer first (a package imports only lower layers;
tests/unit/test_layers.py keeps it so, doc/source/code-map.rst says what each
package owns):

* ``rtnova.hardware`` -- the pure core: request model, host model, fitting,
  tuning plan, CPU lists and masks, the thread record. Plain data in, plain
  data out; no nova, oslo, libvirt or lxml import.
* ``rtnova.conf`` -- the ``[rtnova]`` options and the readers of nova.conf.
* ``rtnova.domain_xml`` -- libvirt domain XML, written and read (lxml only).
* ``rtnova.privsep`` -- privileged host operations (oslo.privsep) and how
  code reaches the host.
* ``rtnova.status`` -- rtnova-status' host checks and the readiness trait.
* ``rtnova.verify`` -- a running guest's threads held against its XML.
* ``rtnova.probe`` -- the latency probe.
* ``rtnova.shield`` -- rtnova-shield: host work kept off the dedicated CPUs.
* ``rtnova.virt`` -- the libvirt driver subclass (thin adapter).
* ``rtnova.scheduler`` -- the scheduler filter (thin adapter).
* ``rtnova.api`` -- extra spec validators for nova's API.
* ``rtnova.cmd`` -- operator commands (rtnova-plan, rtnova-status, ...).
"""
