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


"""libvirt domain XML: rtnova's writer and reader, side by side.

``writer`` renders a tuning plan (``<cputune>``, ``<numatune>``,
``<memoryBacking>``, the latency features); ``reader`` parses what a live
domain asks for. lxml only: no nova, oslo or libvirt import, so the driver,
the live-migration rewrite, ``rtnova-plan``, the probe and ``rtnova-verify``
share it without importing nova's libvirt driver.
"""
