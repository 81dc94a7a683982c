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

"""Latency classes of a host, from a measured acceptance run.

A host whose dedicated CPUs were measured at a largest interruption of M
microseconds gets every class at or above M, as placement traits
(``CUSTOM_RT_LATENCY_LE_50US`` ... ``CUSTOM_RT_LATENCY_LE_10MS``): the
classes are cumulative, so a flavor asks for one bound
(``trait:CUSTOM_RT_LATENCY_LE_50US=required``) and every host at least that
good qualifies. The measurement's date and length travel with the traits
in the provider config document (nova's ``provider_config`` schema allows
extra keys under ``meta``). No I/O here.
"""

import datetime

from rtnova.hardware import errors

# class bounds in microseconds, ascending
CLASSES_US = (20, 50, 100, 200, 500, 1000, 5000, 10000)
PREFIX = 'CUSTOM_RT_LATENCY_LE_'
SCHEMA_VERSION = '1.0'
META_KEY = 'rtnova_latency_acceptance'


def trait_name(bound_us):
    if bound_us >= 1000 and bound_us % 1000 == 0:
        return '%s%dMS' % (PREFIX, bound_us // 1000)
    return '%s%dUS' % (PREFIX, bound_us)


ALL_TRAITS = tuple(trait_name(b) for b in CLASSES_US)


def traits_for(max_us):
    """The cumulative class traits a measured maximum earns (maybe none)."""
    if max_us is None or max_us < 0:
        raise errors.InvalidHostConfig(
            'acceptance', 'no measured maximum (%r)' % (max_us,),
            'run rtnova-probe --accept again')
    return [trait_name(b) for b in CLASSES_US if max_us <= b]


def document(max_us, measured_at, seconds, cpus, host):
    """nova's provider config (one ``$COMPUTE_NODE`` entry) as a dict.

    Above every class the document adds no trait, and keeps the result.
    """
    traits = traits_for(max_us)
    return {
        'meta': {
            'schema_version': SCHEMA_VERSION,
            META_KEY: {
                'host': host,
                'measured_at': measured_at.isoformat(timespec='seconds'),
                'seconds': seconds,
                'max_us': max_us,
                'dedicated_cpus': sorted(cpus),
                'classes_us': list(CLASSES_US),
            },
        },
        # nova ignores (with a warning) a provider that adds nothing
        'providers': [{
            'identification': {'uuid': '$COMPUTE_NODE'},
            'traits': {'additional': traits},
        }] if traits else [],
    }


def age_problem(doc, now, max_age):
    """Text saying the acceptance is too old (or unreadable), or ''."""
    meta = (doc or {}).get('meta', {}).get(META_KEY)
    if not meta:
        return 'no rtnova latency acceptance in the document'
    try:
        when = datetime.datetime.fromisoformat(meta['measured_at'])
    except (KeyError, TypeError, ValueError):
        return 'the acceptance has no readable measured_at'
    age = now - when
    if age > max_age:
        return ('the latency acceptance of %s is %d days old (older than '
                '%d days): run rtnova-probe --accept again' % (
                    meta['measured_at'], age.days, max_age.days))
    return ''
