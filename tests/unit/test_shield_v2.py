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

"""rtnova-shield on cgroup v2, on fake trees (systemd and without it).

This machine's cpuset controller is bound to cgroup v1, so no real cgroup
v2 cpuset can be made here: the kernel's rules the shield relies on are
kept by ``shield_fakes.FakeKernelHost``, and systemd by
:class:`FakeSystemctl`, a test double of the ``systemctl`` command at the
boundary (it records its calls, keeps each unit's AllowedCPUs and writes
the cgroup files and runtime drop-ins systemd writes).
"""

import errno
import os

from rtnova.hardware import shield_cgroups
from rtnova.shield import cpuset_v2
from rtnova.shield import systemd_units
from tests.unit import base
from tests.unit import shield_fakes as fakes
from tests.unit import status_fakes
from tests.unit import test_shield as v1

V2 = fakes.V2
SHIELD = V2 + cpuset_v2.NAME + '/'
# every process leader of the sample host but QEMU (in libvirt's cgroup),
# and one unbound kernel thread the kernel lets move (no
# PF_NO_SETAFFINITY), allowed everywhere
RCU = (60, 60, 'rcu_preempt', '0-11', True, 0, 0)
LEADERS = sorted({t[0] for t in status_fakes.READY_THREADS} - {3000} |
                 {RCU[0]})
KTHREADS = sorted({t[0] for t in status_fakes.READY_THREADS if t[4]} |
                  {RCU[0]})
SYSTEMD_TEXT = 'systemd 252 (252.30-1~deb12u2)\n+PAM +AUDIT +SELINUX\n'


class FakeSystemctl(object):
    """``systemctl``: calls recorded, AllowedCPUs kept per unit; what
    systemd does with them done to the fake cgroup tree.
    """

    def __init__(self, version=SYSTEMD_TEXT):
        self.host = None
        self.version = version
        self.calls = []
        self.allowed = {u: '' for u in shield_cgroups.CONFINED_UNITS +
                        (shield_cgroups.LIBVIRT_UNIT,)}
        self.refuse = {}      # (verb, unit) -> stderr
        self.realizes = True  # False: the cpuset controller is elsewhere
        self.knows = True     # False: a systemd without AllowedCPUs=

    def __call__(self, argv):
        self.calls.append(list(argv))
        verb, unit = argv[0], argv[-1]
        if verb == 'set-property':
            unit = argv[2]
        if (verb, unit) in self.refuse:
            return 1, '', self.refuse[(verb, unit)]
        if verb == '--version':
            return 0, self.version, ''
        if verb == 'show':
            # an unknown property is not printed
            return 0, 'AllowedCPUs=%s\n' % self.allowed.get(unit, '') if (
                self.knows) else '', ''
        if verb == 'set-property':
            self._set(unit, argv[3].split('=', 1)[1])
            return 0, '', ''
        if verb == 'daemon-reload':
            return 0, '', ''
        return 1, '', 'Unknown command verb %s.' % verb

    def _set(self, unit, value):
        self.allowed[unit] = value
        path = shield_cgroups.runtime_dropin_path(unit)
        os.makedirs(os.path.dirname(self.host.path(path)), exist_ok=True)
        self.host.write(path, '# created via "systemctl set-property"\n'
                        '[%s]\nAllowedCPUs=%s\n' % (
                            'Scope' if unit.endswith('.scope') else 'Slice',
                            value))
        if self.realizes:
            self._realize()

    def _realize(self):
        # systemd enables cpuset in the root while a unit needs it
        needed = any(self.allowed.values())
        enabled = 'cpuset' in self.host.read(
            V2 + 'cgroup.subtree_control', '').split()
        if needed and not enabled:
            self.host.write(V2 + 'cgroup.subtree_control', '+cpuset')
        for unit, value in self.allowed.items():
            if self.host.exists(V2 + unit + '/cpuset.cpus'):
                self.host.write(V2 + unit + '/cpuset.cpus', value)
        if enabled and not needed:
            self.host.write(V2 + 'cgroup.subtree_control', '-cpuset')


class V2TestBase(v1.ShieldTestBase):

    systemd = False

    def setUp(self):
        super().setUp()
        for relative in fakes.snapshot(self.host.path(fakes.CPUSET)):
            path = self.host.path(fakes.CPUSET + relative)
            if os.path.isfile(path):
                os.unlink(path)
        self.tree.add_thread(*RCU)
        self.tree.write(V2 + 'cgroup.controllers', 'cpuset cpu io memory')
        self.tree.write(V2 + 'cgroup.subtree_control', 'cpu memory')
        self.tree.write(V2 + 'cpuset.cpus.effective', '0-11')
        libvirt = 'machine.slice' if self.systemd else 'machine'
        self.tree.write(V2 + libvirt + '/cgroup.procs', '3000')
        self.fake = FakeSystemctl()
        self.host = fakes.FakeKernelHost(
            self.tree.root, systemd=systemd_units.Systemd(self.fake))
        self.fake.host = self.host
        if self.systemd:
            self.tree.write('run/systemd/system/.keep', '')
            self.tree.write(V2 + 'cgroup.procs',
                            ' '.join(map(str, KTHREADS)))
            self.tree.write(V2 + 'init.scope/cgroup.procs', '1')
            self.tree.write(V2 + 'system.slice/cgroup.procs', '812 900')
            self.tree.write(V2 + 'user.slice/cgroup.procs', '')
        else:
            self.tree.write(V2 + 'cgroup.procs', ' '.join(map(str, LEADERS)))

    def affinity(self, tid):
        return {t.tid: t.affinity for t in self.host.threads()}[tid]

    def everything(self):
        """The host as the shield may change it: files and units."""
        return fakes.snapshot(self.tree.root), dict(self.fake.allowed)


class SystemdTest(V2TestBase):

    systemd = True

    def files(self):
        tree, units = self.everything()
        # directories made for the shield's drop-ins stay (as on v1)
        return {k: v for k, v in tree.items() if v != '<dir>'}, units

    def test_apply_confines_units_and_undo_restores_everything(self):
        before, tree_before = self.files(), fakes.snapshot(self.tree.root)
        code, out, err = self.shield('--dedicated', '4-11')
        self.assertEqual(0, code, err)
        for unit in shield_cgroups.CONFINED_UNITS:
            self.assertEqual('0-3', self.fake.allowed[unit])
            self.assertIn(['set-property', '--runtime', unit,
                           'AllowedCPUs=0-3'], self.fake.calls)
            self.assertEqual('0-3', self.read(
                V2 + unit + '/cpuset.cpus.effective'))
        # libvirt's slice keeps every CPU: vCPUs are pinned there
        self.assertEqual('', self.fake.allowed['machine.slice'])
        self.assertEqual('0-11', self.read(
            V2 + 'machine.slice/cpuset.cpus.effective'))
        self.assertIn('[Slice]\nAllowedCPUs=0-3', self.read(
            'etc/systemd/system/system.slice.d/50-rtnova-shield.conf'))
        self.assertIn('[Scope]\nAllowedCPUs=0-3', self.read(
            'etc/systemd/system/init.scope.d/50-rtnova-shield.conf'))
        self.assertIn(['daemon-reload'], self.fake.calls)
        # a kernel thread of the root cgroup the kernel lets move
        self.assertEqual({0, 1, 2, 3}, self.affinity(60))
        self.assertEqual({4}, self.affinity(40))   # per-CPU: stays
        self.assertIn('refused with EINVAL', out)
        self.assertIn('machine.slice keeps its CPUs', out)
        self.assertNotIn('not in effect', out)
        self.assertIn('isolated cpuset partition of the dedicated CPUs is '
                      'not used', out)
        code, out, err = self.shield('--undo')
        self.assertEqual(0, code, err)
        self.assertEqual(before, self.files())
        self.assertEqual({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
                         self.affinity(60))
        # systemd's runtime drop-in directories went with their files
        self.assertEqual(
            {k for k, v in tree_before.items() if v == '<dir>'
             and k.startswith('run')},
            {k for k, v in fakes.snapshot(self.tree.root).items()
             if v == '<dir>' and k.startswith('run')})

    def test_undo_gives_back_an_operators_allowed_cpus(self):
        self.fake.host = self.host
        self.fake._set('system.slice', '0-5')
        before = self.files()
        self.assertEqual(0, self.shield('--dedicated', '4-11')[0])
        self.assertEqual('0-3', self.fake.allowed['system.slice'])
        code, out, err = self.shield('--undo')
        self.assertEqual(0, code, err)
        self.assertIn('system.slice AllowedCPUs=0-5 again', out)
        self.assertEqual(before, self.files())

    def test_systemd_without_allowed_cpus_is_refused_first(self):
        self.fake.version = 'systemd 239 (239-78.el8)\n'
        self.fake.knows = False
        before = self.everything()
        code, out, err = self.shield('--dedicated', '4-11')
        self.assertEqual(2, code, out)
        self.assertIn('systemd: version 239 has no AllowedCPUs= (systemd 244 '
                      'and newer', err)
        self.assertEqual(before, self.everything())
        self.assertFalse(os.path.exists(self.state))
        self.assertEqual([['show', '-p', 'AllowedCPUs', 'system.slice'],
                          ['--version']], self.fake.calls)

    def test_an_older_systemd_that_knows_allowed_cpus_is_used(self):
        # RHEL 8's systemd 239 has AllowedCPUs= backported
        self.fake.version = 'systemd 239 (239-78.el8)\n'
        self.assertEqual(0, self.shield('--dedicated', '4-11')[0])
        self.assertEqual('0-3', self.fake.allowed['system.slice'])

    def test_refusal_by_systemd_is_named_and_undone(self):
        self.fake.refuse[('set-property', 'user.slice')] = (
            'Failed to set unit properties on user.slice: Access denied')
        before = self.files()
        code, out, err = self.shield('--dedicated', '4-11')
        self.assertEqual(2, code, out)
        self.assertIn('systemctl set-property --runtime user.slice '
                      'AllowedCPUs=0-3 failed (exit 1): Failed to set unit '
                      'properties on user.slice: Access denied', err)
        self.assertIn('rtnova-shield --undo puts it back', err)
        self.assertNotIn('Traceback', err)
        del self.fake.refuse[('set-property', 'user.slice')]
        code, out, err = self.shield('--undo')
        self.assertEqual(0, code, err)
        self.assertEqual(before, self.files())

    def test_undo_refused_by_systemd_can_be_run_again(self):
        before = self.files()
        self.assertEqual(0, self.shield('--dedicated', '4-11')[0])
        self.fake.refuse[('set-property', 'init.scope')] = 'Access denied'
        code, out, err = self.shield('--undo')
        self.assertEqual(2, code, out)
        self.assertIn('undo incomplete', err)
        self.assertIn('init.scope AllowedCPUs= failed (exit 1): Access '
                      'denied', err)
        del self.fake.refuse[('set-property', 'init.scope')]
        code, out, err = self.shield('--undo')
        self.assertEqual(0, code, err)
        self.assertEqual(before, self.files())

    def test_allowed_cpus_without_effect_is_said(self):
        self.fake.realizes = False
        code, out, _ = self.shield('--dedicated', '4-11')
        self.assertEqual(0, code)
        self.assertIn('not in effect: /sys/fs/cgroup/system.slice/'
                      'cpuset.cpus.effective is 0-11, not 0-3', out)

    def test_check_names_units_and_libvirt(self):
        code, out, _ = self.shield('--dedicated', '4-11', '--check')
        self.assertIn('systemd unit system.slice runs on CPUs 0-11, '
                      'dedicated ones among them', out)
        self.assertEqual(0, self.shield('--dedicated', '4-11')[0])
        code, out, _ = self.shield('--check')
        self.assertEqual(0, code, out)
        self.assertIn('systemd unit system.slice runs on CPUs 0-3\n', out)
        self.assertIn('libvirt\'s cgroup /sys/fs/cgroup/machine.slice holds '
                      'CPUs 0-11: vCPUs can be pinned', out)

    def test_bad_input_asks_nothing_of_systemd(self):
        before = self.everything()
        for argv in (['--dedicated', '4-13'], ['--dedicated', '0-11']):
            self.assertEqual(2, self.shield(*argv)[0])
        self.assertEqual(before, self.everything())
        self.assertEqual([], self.fake.calls)


class CgroupV2Test(V2TestBase):

    def test_apply_then_undo_leaves_the_tree_as_it_was(self):
        before = fakes.snapshot(self.tree.root)
        code, out, err = self.shield('--dedicated', '4-11')
        self.assertEqual(0, code, err)
        self.assertEqual('cpu memory cpuset',
                         self.read(V2 + 'cgroup.subtree_control'))
        self.assertEqual('0-3', self.read(SHIELD + 'cpuset.cpus.effective'))
        # user space and the movable kernel threads; per-CPU ones stay
        self.assertEqual([1, 50, 60, 812, 900],
                         self.host.task_ids(SHIELD + 'cgroup.procs'))
        self.assertEqual([40, 41, 42, 43, 44],
                         self.host.task_ids(V2 + 'cgroup.procs'))
        self.assertEqual('0-11', self.read(
            V2 + 'machine/cpuset.cpus.effective'))
        self.assertIn('5 kernel threads stay in the root cgroup', out)
        self.assertIn('cpuset partitions (root and isolated ones on this '
                      'kernel)', out)
        self.assertIn('not persisted: systemd is not the init system', out)
        self.assertEqual([], self.fake.calls)
        code, out, err = self.shield('--undo')
        self.assertEqual(0, code, err)
        self.assertIn('cpuset disabled again', out)
        self.assertEqual(before, fakes.snapshot(self.tree.root))

    def test_controller_enabled_before_stays_enabled(self):
        self.tree.write(V2 + 'cgroup.subtree_control', 'cpu cpuset')
        self.host._cpuset_files(V2 + 'machine')
        before = fakes.snapshot(self.tree.root)
        self.assertEqual(0, self.shield('--dedicated', '4-11')[0])
        self.assertEqual(0, self.shield('--undo')[0])
        self.assertEqual(before, fakes.snapshot(self.tree.root))

    def test_refused_moves_are_listed(self):
        self.host.refuse[SHIELD + 'cgroup.procs'] = errno.EINVAL
        code, out, _ = self.shield('--dedicated', '4-11')
        self.assertEqual(0, code)
        self.assertIn('not moved: 1 systemd: Invalid argument', out)

    def test_refused_controller_undo_keeps_the_state(self):
        self.assertEqual(0, self.shield('--dedicated', '4-11')[0])
        self.host.refuse[V2 + 'cgroup.subtree_control'] = errno.EBUSY
        code, out, err = self.shield('--undo')
        self.assertEqual(2, code)
        self.assertIn('undo incomplete', err)
        self.assertIn('keeps cpuset (Device or resource busy', err)
        self.assertTrue(os.path.exists(self.state))

    def test_check_finds_a_newcomer_at_the_root(self):
        self.assertEqual(0, self.shield('--dedicated', '4-11')[0])
        self.tree.add_thread(7000, 7000, 'newcomer', '0-11')
        code, out, _ = self.shield('--check')
        self.assertEqual(1, code)
        self.assertIn('1 movable threads: 7000 newcomer (0-11)', out)
        self.assertIn('libvirt\'s cgroup /sys/fs/cgroup/machine holds CPUs '
                      '0-11', out)


class WayTest(base.TestCase):

    def test_the_way_and_its_refusals(self):
        way = shield_cgroups.way
        self.assertEqual('v1', way('v1', True, None))
        self.assertEqual('v2-cgroup', way('v2', False, None))
        self.assertEqual('v2-systemd', way('v2', True, 244))
        self.assertEqual('v2-systemd', way('v2', True, 239, True))
        self.assertRaises(shield_cgroups.errors.InvalidHostConfig,
                          way, 'v2', True, 243)
        self.assertRaises(shield_cgroups.errors.InvalidHostConfig,
                          way, None, True, 252)

    def test_systemctl_output(self):
        self.assertEqual(252, shield_cgroups.parse_version(SYSTEMD_TEXT))
        self.assertEqual(255, shield_cgroups.parse_version(
            'systemd 255 (255.4-1ubuntu8)'))
        self.assertIsNone(shield_cgroups.parse_version('bash: not found'))
        self.assertEqual('0-3', shield_cgroups.parse_show(
            'AllowedCPUs=0-3\n'))
        self.assertEqual('', shield_cgroups.parse_show('AllowedCPUs=\n'))
        self.assertIsNone(shield_cgroups.parse_show(''))
        self.assertEqual('[Scope]\nAllowedCPUs=0-3\n',
                         shield_cgroups.dropin_text(
                             'init.scope', {0, 1, 2, 3}).split('\n', 1)[1])
