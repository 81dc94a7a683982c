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

"""Which guest CPU mode this host's QEMU accepts: tests/realhost/cpu_mode's
trial boots, run against one compute host's libvirtd; prints one JSON line.

Run with the deployment's python (libvirt-python) from the checkout.
"""

import json
import sys

import libvirt

from tests.realhost import cpu_mode
from tests.realhost import fixtures as rh


def main(uri):
    conn = libvirt.open(uri)
    try:
        choice = cpu_mode.choose_on(
            conn, lambda cpu: rh.firmware_domain_xml(
                'rtnova-deploy-cpu-probe', vcpus=1, cpu_element=cpu),
            key=uri)
    finally:
        conn.close()
    print(json.dumps({'flags': choice.libvirt_flags,
                      'describe': cpu_mode.describe(choice)}))


if __name__ == '__main__':
    main(sys.argv[1])
