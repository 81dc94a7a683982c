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

"""Generated flavors and images for the request-model tests.

Values are drawn from pools mixing what operators write (valid masks, page
sizes, policies) with what they get wrong (typos, out-of-range vCPUs,
malformed sizes), so both nova's acceptance and its refusals are exercised.
"""

MASKS = ['^0', '^0-1', '^1', '^0,^3', '^2-3', '0', '1', '1-2', '2-3', '0,2',
         '0-7', '^9', '9', ' ^1', '', 'x', '^', '1-0', '^0-7', '3']
POLICIES = ['dedicated', 'dedicated', 'shared', 'mixed', 'mixed', 'bogus',
            '']
VALID_MASKS = ['^0', '^0-1', '^1', '1-2', '0', '^0,^3', '1', '2-3']
THREADS = ['prefer', 'isolate', 'require', 'bogus', '']
BOOLS = ['yes', 'yes', 'true', 'no', 'False', '1', 'bogus', '']
EMULATOR = ['share', 'share', 'isolate', 'bogus', '']
PAGES = ['small', 'large', 'any', '2048', '1048576', '1GB', '2MB', '4KB',
         '2MiB', '1.5KB', '0', '-2KB', 'bogus', '', '1Gb', '512b']
NODES = ['1', '2', '2', '3', '4', '0', '-1', 'x', '']
TRAIT = ['required', 'forbidden', 'bogus']
PMEM = ['4GB', '4GB,SMALL', ',', '']
VCPUS = [1, 2, 2, 3, 4, 4, 4, 6, 8]
MEMORY = [512, 1024, 2048, 3000, 4096]
# rtnova's own keys, for the fuzz and model tests
RT_POLICIES = ['fifo', 'rr', 'other', 'FIFO', '', 'deadline']
PRIORITIES = ['1', '10', '49', '50', '99', '0', '-3', '100', 'x', '']
SCHEDS = ['fifo:1', 'rr:10', 'fifo:49', 'other', 'fifo:99', 'fifo', 'rr:0',
          'fifo:x', 'idle', '', 'fifo:-1']
POOL = ['1', '1', '2', '0', '-1', 'x']


def _maybe(rng, probability):
    return rng.random() < probability


def _numa_manual(rng, vcpus, memory_mb, nodes):
    """hw:numa_cpus.N/numa_mem.N lists, valid or subtly wrong."""
    cpus = list(range(vcpus))
    rng.shuffle(cpus)
    cut = sorted(rng.sample(range(1, vcpus), min(nodes - 1, vcpus - 1))) \
        if vcpus > 1 else []
    parts, start = [], 0
    for end in cut + [vcpus]:
        parts.append(sorted(cpus[start:end]))
        start = end
    while len(parts) < nodes:
        parts.append([])
    mems = [memory_mb // nodes] * nodes
    mems[-1] += memory_mb - sum(mems)
    if _maybe(rng, 0.15):  # a vCPU out of range or duplicated
        parts[0] = parts[0] + [rng.choice([vcpus, 0])]
    if _maybe(rng, 0.1):
        mems[0] += 512
    if _maybe(rng, 0.1):
        parts = parts[:-1]
    return ([','.join(str(c) for c in p) for p in parts],
            [str(m) for m in mems])


def nova_combo(rng):
    """(vcpus, memory_mb, extra_specs, image_props) over nova's keys."""
    vcpus = rng.choice(VCPUS)
    memory_mb = rng.choice(MEMORY)
    extra, image = {}, {}
    if _maybe(rng, 0.5):
        # an operator writing a real-time flavor: mostly right
        extra['hw:cpu_policy'] = rng.choice(['dedicated'] * 3 + ['mixed'])
        extra['hw:cpu_realtime'] = 'yes'
        if _maybe(rng, 0.8):
            extra['hw:cpu_realtime_mask'] = rng.choice(VALID_MASKS)
        if _maybe(rng, 0.5):
            extra['hw:emulator_threads_policy'] = rng.choice(EMULATOR[:3])
    if _maybe(rng, 0.85) and 'hw:cpu_policy' not in extra:
        extra['hw:cpu_policy'] = rng.choice(POLICIES)
    if _maybe(rng, 0.1):
        image['hw_cpu_policy'] = rng.choice(POLICIES)
    if _maybe(rng, 0.75) and 'hw:cpu_realtime' not in extra:
        extra['hw:cpu_realtime'] = rng.choice(BOOLS)
    if _maybe(rng, 0.4) and 'hw:cpu_realtime_mask' not in extra:
        extra['hw:cpu_realtime_mask'] = rng.choice(MASKS)
    if _maybe(rng, 0.15):
        image['hw_cpu_realtime_mask'] = rng.choice(MASKS)
    if _maybe(rng, 0.3) and 'hw:emulator_threads_policy' not in extra:
        extra['hw:emulator_threads_policy'] = rng.choice(EMULATOR)
    if _maybe(rng, 0.1):
        extra['hw:cpu_dedicated_mask'] = rng.choice(MASKS)
    if _maybe(rng, 0.15):
        extra['hw:cpu_thread_policy'] = rng.choice(THREADS)
    if _maybe(rng, 0.05):
        image['hw_cpu_thread_policy'] = rng.choice(THREADS)
    if _maybe(rng, 0.3):
        extra['hw:mem_page_size'] = rng.choice(PAGES)
    if _maybe(rng, 0.1):
        image['hw_mem_page_size'] = rng.choice(PAGES)
    if _maybe(rng, 0.1):
        extra['hw:locked_memory'] = rng.choice(BOOLS)
    if _maybe(rng, 0.05):
        image['hw_locked_memory'] = rng.choice(BOOLS)
    if _maybe(rng, 0.25):
        target, prefix = rng.choice([(extra, 'hw:'), (extra, 'hw:'),
                                     (image, 'hw_')])
        nodes = rng.choice(NODES)
        target[prefix + 'numa_nodes'] = nodes
        if nodes.isdigit() and int(nodes) > 0 and _maybe(rng, 0.5):
            cpus, mems = _numa_manual(rng, vcpus, memory_mb, int(nodes))
            target = rng.choice([target, target, extra, image])
            prefix = 'hw:' if target is extra else 'hw_'
            for i, spec in enumerate(cpus):
                target['%snuma_cpus.%d' % (prefix, i)] = spec
            for i, mem in enumerate(mems):
                target['%snuma_mem.%d' % (prefix, i)] = mem
    if _maybe(rng, 0.05):
        extra['resources:PCPU'] = str(vcpus + rng.choice([0, 0, 1]))
    if _maybe(rng, 0.03):
        extra['resources:VCPU'] = str(vcpus)
    if _maybe(rng, 0.04):
        extra['trait:HW_CPU_HYPERTHREADING'] = rng.choice(TRAIT)
    if _maybe(rng, 0.03):
        image['trait:HW_CPU_HYPERTHREADING'] = 'required'
    if _maybe(rng, 0.03):
        extra['hw:pmem'] = rng.choice(PMEM)
    return vcpus, memory_mb, extra, image


def rtnova_keys(rng, extra, image):
    """Add rtnova's keys to a combo (in place)."""
    for name, pool in (('cpu_realtime_policy', RT_POLICIES),
                       ('cpu_realtime_priority', PRIORITIES),
                       ('emulator_threads_sched', SCHEDS),
                       ('iothreads_sched', SCHEDS)):
        if _maybe(rng, 0.3):
            extra['hw:' + name] = rng.choice(pool)
        if _maybe(rng, 0.1):
            image['hw_' + name] = rng.choice(pool)
    if _maybe(rng, 0.3):
        extra['resources:CUSTOM_RT_EMULATOR_POOL'] = rng.choice(POOL)
