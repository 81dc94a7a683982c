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

"""Check domain XML against libvirt itself.

Two real judges: libvirt's RNG schema (``virt-xml-validate``) and libvirt's
``test:///default`` driver, which parses the XML with the same code a real
libvirtd uses (unknown elements, bad cpusets and inconsistent NUMA layouts
are refused there).
"""

import os
import subprocess
import tempfile
import uuid

import libvirt
from lxml import etree

VALIDATOR = '/usr/bin/virt-xml-validate'


class InvalidDomainXML(AssertionError):
    pass


def validate_schema(xml):
    """Validate ``xml`` with virt-xml-validate against domain.rng."""
    with tempfile.NamedTemporaryFile('w', suffix='.xml', delete=False) as fh:
        fh.write(xml)
        path = fh.name
    try:
        proc = subprocess.run([VALIDATOR, path, 'domain'],
                              capture_output=True, text=True)
    finally:
        os.unlink(path)
    if proc.returncode:
        raise InvalidDomainXML('virt-xml-validate refused the domain XML:\n'
                               '%s%s\n%s' % (proc.stdout, proc.stderr, xml))


def define_on_test_driver(xml):
    """Define (then undefine) ``xml`` on libvirt's test:///default driver.

    The name and UUID (also in ``<sysinfo>``) are replaced so concurrent
    checks do not collide.
    """
    tree = etree.fromstring(xml.encode())
    old_uuid = tree.findtext('uuid')
    if old_uuid:
        xml = xml.replace(old_uuid, str(uuid.uuid4()))
        tree = etree.fromstring(xml.encode())
    tree.find('name').text = 'xmlcheck-%s' % uuid.uuid4().hex[:12]
    # the reason is in the exception; keep libvirt from printing it too
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    conn = libvirt.open('test:///default')
    try:
        try:
            dom = conn.defineXML(etree.tostring(tree).decode())
        except libvirt.libvirtError as exc:
            raise InvalidDomainXML('test:///default refused the domain XML:'
                                   ' %s\n%s' % (exc, xml))
        dom.undefine()
    finally:
        conn.close()


def check_domain_xml(xml):
    """Both checks; raises :class:`InvalidDomainXML` (an AssertionError)."""
    validate_schema(xml)
    define_on_test_driver(xml)
