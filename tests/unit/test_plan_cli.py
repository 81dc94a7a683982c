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

"""rtnova-plan: the quick start's main job."""

import io
import json
import os
import tempfile

from lxml import etree

from rtnova.cmd import plan
from rtnova.hardware import sample
from tests.unit import base


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = plan.main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


class DefaultPlanTest(base.TestCase):
    """No arguments: rt1.small on the seeds' sample host (issue bar)."""

    def setUp(self):
        super().setUp()
        code, out, _err = run('--json')
        self.assertEqual(plan.FITS, code)
        self.data = json.loads(out)

    def test_four_vcpus_on_isolated_cpus_of_one_node(self):
        isolated = {4, 5, 6, 7, 8, 9, 10, 11}
        node_cpus = {0: {0, 2, 4, 6, 8, 10}, 1: {1, 3, 5, 7, 9, 11}}
        rows = self.data['vcpus']
        self.assertEqual([0, 1, 2, 3], [r['vcpu'] for r in rows])
        pcpus = [int(r['pcpus']) for r in rows]
        self.assertEqual(4, len(set(pcpus)))
        self.assertTrue(set(pcpus) <= isolated)
        nodes = {r['host_node'] for r in rows}
        self.assertEqual(1, len(nodes))
        self.assertTrue(set(pcpus) <= node_cpus[nodes.pop()])

    def test_vcpus_2_3_realtime_fifo_default_priority(self):
        rows = {r['vcpu']: r for r in self.data['vcpus']}
        self.assertEqual('2-3', self.data['realtime_vcpus'])
        for vcpu in (2, 3):
            self.assertEqual(('SCHED_FIFO', 10, True),
                             (rows[vcpu]['policy'], rows[vcpu]['priority'],
                              rows[vcpu]['realtime']))
        for vcpu in (0, 1):
            self.assertEqual('SCHED_OTHER', rows[vcpu]['policy'])

    def test_emulator_threads_off_the_realtime_pcpus(self):
        rows = {r['vcpu']: r for r in self.data['vcpus']}
        rt_pcpus = {rows[2]['pcpus'], rows[3]['pcpus']}
        emulator = set(self.data['emulator_threads']['pcpus'].split(','))
        self.assertFalse(emulator & rt_pcpus)
        self.assertFalse(self.data['emulator_threads']['on_realtime_pcpus'])

    def test_four_1g_pages_on_the_vcpus_node(self):
        node = self.data['vcpus'][0]['host_node']
        self.assertEqual([{'guest_cell': 0, 'host_node': node,
                           'memory_mb': 4096, 'page_size_kb': 1048576,
                           'pages': 4}], self.data['memory']['nodes'])
        self.assertTrue(self.data['memory']['locked'])

    def test_guest_hints(self):
        hints = self.data['guest_hints']
        self.assertEqual('2,3', hints['isolated_cpus'])
        self.assertIn('nohz_full=2,3', hints['kernel_cmdline'])
        self.assertIn('rcu_nocbs=2,3', hints['kernel_cmdline'])

    def test_xml_fragment_is_libvirt_xml(self):
        tree = etree.fromstring('<domain>%s</domain>' %
                                self.data['libvirt_xml'])
        self.assertEqual(4, len(tree.findall('./cputune/vcpupin')))
        self.assertEqual(
            {'vcpus': '2-3', 'scheduler': 'fifo', 'priority': '10'},
            dict(tree.find('./cputune/vcpusched').attrib))
        self.assertIsNotNone(tree.find('./memoryBacking/locked'))

    def test_text_output(self):
        code, out, _err = run()
        self.assertEqual(plan.FITS, code)
        self.assertIn('Decision: fits on NUMA node(s)', out)
        self.assertIn('SCHED_FIFO 10  real-time', out)
        self.assertIn('<vcpusched', out)


class PlanInputsTest(base.TestCase):

    def test_pool_flavor_puts_emulator_on_the_local_pool_cpu(self):
        code, out, _err = run(
            '--json', '--vcpus', '1', '--ram', '1024',
            '--property', 'hw:cpu_policy=dedicated',
            '--property', 'hw:cpu_realtime=yes',
            '--property', 'hw:emulator_threads_policy=share',
            '--property', 'resources:CUSTOM_RT_EMULATOR_POOL=1',
            '--property', 'hw:mem_page_size=1GB')
        self.assertEqual(plan.FITS, code)
        data = json.loads(out)
        node = data['vcpus'][0]['host_node']
        self.assertEqual({0: '2', 1: '3'}[node],
                         data['emulator_threads']['pcpus'])
        self.assertTrue(data['vcpus'][0]['realtime'])
        self.assertEqual(1, data['emulator_pool_units'])

    def test_does_not_fit_says_why_and_exits_1(self):
        code, out, _err = run('--vcpus', '6', '--ram', '2048',
                              '--property', 'hw:cpu_policy=dedicated')
        self.assertEqual(plan.NO_FIT, code)
        self.assertIn('does NOT fit', out)

    def test_bad_extra_spec_names_the_key_exit_2(self):
        code, _out, err = run('--vcpus', '2', '--ram', '512',
                              '--property', 'hw:cpu_policy=dedicated',
                              '--property', 'hw:cpu_realtime=yes',
                              '--property', 'hw:cpu_realtime_mask=^0',
                              '--property', 'hw:cpu_realtime_priority=99')
        self.assertEqual(plan.BAD_INPUT, code)
        self.assertIn('hw:cpu_realtime_priority', err)
        self.assertNotIn('Traceback', err)

    def test_property_alone_modifies_rt1_small(self):
        code, out, _err = run('--json',
                              '--property', 'hw:cpu_realtime_mask=^0')
        self.assertEqual(plan.FITS, code)
        data = json.loads(out)
        # rt1.small's 4 vCPUs and 1 GiB pages, with the new mask
        self.assertEqual('1-3', data['realtime_vcpus'])
        self.assertEqual(4, len(data['vcpus']))
        self.assertEqual(1048576,
                         data['memory']['nodes'][0]['page_size_kb'])
        self.assertEqual('rt1.small (modified)', data['flavor']['name'])

    def test_values_the_api_refuses_exit_2_naming_the_key(self):
        # each refused by nova's API (flavor extra specs, microversion
        # 2.86+): a bad boolean, an unknown hw: key, a bad value of an
        # rtnova key (its validator comes through the entry point)
        for prop, key in (
                ('hw:cpu_realtime=maybe', 'hw:cpu_realtime'),
                ('hw:cpu_realtim=yes', 'hw:cpu_realtim'),
                ('hw:cpu_realtime_policy=deadline',
                 'hw:cpu_realtime_policy')):
            code, out, err = run('--property', prop)
            self.assertEqual(plan.BAD_INPUT, code, prop)
            self.assertIn('flavor extra spec %s=' % key, err)
            self.assertIn("nova's API refuses it", err)
            self.assertNotIn('Traceback', err)
            self.assertEqual('', out)

    def test_flavor_file_values_are_validated_too(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'flavor.json')
            with open(path, 'w') as fh:
                json.dump(dict(sample.RT1_SMALL, extra_specs=dict(
                    sample.RT1_SMALL['extra_specs'],
                    **{'hw:cpu_realtime': 'maybe'})), fh)
            code, _out, err = run('--flavor-file', path)
        self.assertEqual(plan.BAD_INPUT, code)
        self.assertIn('hw:cpu_realtime=maybe', err)

    def test_vcpus_without_ram_exit_2(self):
        code, _out, err = run('--vcpus', '2')
        self.assertEqual(plan.BAD_INPUT, code)
        self.assertIn('--vcpus and --ram', err)

    def test_bad_arguments_exit_2(self):
        code, _out, err = run('--property', 'novalue')
        self.assertEqual(plan.BAD_INPUT, code)
        self.assertIn('rtnova-plan:', err)
        code, _out, err = run('--host-file', '/nonexistent.json')
        self.assertEqual(plan.BAD_INPUT, code)

    def test_host_and_flavor_files(self):
        with tempfile.TemporaryDirectory() as tmp:
            host = dict(sample.SAMPLE_HOST, name='from-file')
            host_path = os.path.join(tmp, 'host.json')
            flavor_path = os.path.join(tmp, 'flavor.json')
            with open(host_path, 'w') as fh:
                json.dump(host, fh)
            with open(flavor_path, 'w') as fh:
                json.dump(sample.RT1_SMALL, fh)
            code, out, _err = run('--json', '--host-file', host_path,
                                  '--flavor-file', flavor_path)
        self.assertEqual(plan.FITS, code)
        self.assertEqual('from-file', json.loads(out)['host']['name'])

    def test_operator_default_priority_from_config_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            conf = os.path.join(tmp, 'nova.conf')
            with open(conf, 'w') as fh:
                fh.write('[rtnova]\ndefault_realtime_priority = 20\n')
            code, out, _err = run('--json', '--config-file', conf)
        self.assertEqual(plan.FITS, code)
        rows = json.loads(out)['vcpus']
        self.assertEqual([0, 0, 20, 20], [r['priority'] for r in rows])

    def test_non_pinned_flavor_is_not_planned(self):
        code, out, _err = run('--vcpus', '2', '--ram', '512')
        self.assertEqual(plan.NO_FIT, code)
        self.assertIn('ordinary guest', out)
