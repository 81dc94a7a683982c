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

"""The sample host of the seeds' setup guide ("Deploying Real Time
OpenStack"): two NUMA nodes, CPUs 0,2,4,6,8,10 / 1,3,5,7,9,11, CPUs 4-11
isolated for guests, four 1 GiB pages reserved per node.

CPUs 0-1 stay with the host; 2-3 (one per node, not isolated) carry the
emulator pool.
"""

SAMPLE_HOST = {
    'name': 'sample-rt-host',
    'cells': [
        {'id': 0, 'cpus': '0,2,4,6,8,10', 'memory_mb': 16384,
         'mempages': {4: 3145728, 1048576: 4}},
        {'id': 1, 'cpus': '1,3,5,7,9,11', 'memory_mb': 16384,
         'mempages': {4: 3145728, 1048576: 4}},
    ],
    'config': {
        'cpu_dedicated_set': '4-11',
        'emulator_pin_set': '2-3',
        'emulator_pool_guests_per_cpu': 20,
    },
}

# The seeds' flavor, as created in the FOSDEM talk and the setup guide.
RT1_SMALL = {
    'name': 'rt1.small',
    'vcpus': 4,
    'memory_mb': 4096,
    'extra_specs': {
        'hw:cpu_policy': 'dedicated',
        'hw:cpu_realtime': 'yes',
        'hw:cpu_realtime_mask': '^0-1',
        'hw:mem_page_size': '1GB',
    },
    'image_properties': {},
}
