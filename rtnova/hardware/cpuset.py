"""CPU set specs in nova's syntax: ``0-3,^2,8``.

A pure copy of nova's ``parse_cpu_spec``/``format_cpu_spec`` semantics (the
unit tests compare both over generated specs) so the core needs no nova
import.
"""

from rtnova.hardware import errors


def parse_cpu_spec(spec):
    """Return the set of CPU ids in ``spec``.

    :raises errors.InvalidCPUSpec: on any syntax nova would refuse.
    """
    cpuset_ids = set()
    cpuset_reject_ids = set()
    for rule in spec.split(','):
        rule = rule.strip()
        # Handle multi ','
        if len(rule) < 1:
            continue
        # Note the count limit in the .split() call
        range_parts = rule.split('-', 1)
        if len(range_parts) > 1:
            reject = False
            if range_parts[0] and range_parts[0][0] == '^':
                reject = True
                range_parts[0] = str(range_parts[0][1:])

            # So, this was a range; start by converting the parts to ints
            try:
                start, end = [int(p.strip()) for p in range_parts]
            except ValueError:
                raise errors.InvalidCPUSpec(spec, "invalid range expression "
                                            "%r" % rule)
            # Make sure it's a valid range
            if start > end:
                raise errors.InvalidCPUSpec(spec, "invalid range expression "
                                            "%r" % rule)
            # Add available CPU ids to set
            if not reject:
                cpuset_ids |= set(range(start, end + 1))
            else:
                cpuset_reject_ids |= set(range(start, end + 1))
        elif rule[0] == '^':
            # Not a range, the rule is an exclusion rule; convert to int
            try:
                cpuset_reject_ids.add(int(rule[1:].strip()))
            except ValueError:
                raise errors.InvalidCPUSpec(spec, "invalid exclusion "
                                            "expression %r" % rule)
        else:
            # OK, a single CPU to include; convert to int
            try:
                cpuset_ids.add(int(rule))
            except ValueError:
                raise errors.InvalidCPUSpec(spec, "invalid inclusion "
                                            "expression %r" % rule)

    # Use sets to handle the exclusion rules for us
    cpuset_ids -= cpuset_reject_ids

    return cpuset_ids


def parse_cpu_option(value, option, example='4-11'):
    """A CPU-set option (or host-description field) as a frozenset.

    Unset (None or '') is the empty set; a set of ids passes through.

    :raises errors.InvalidHostConfig: naming ``option``, on bad syntax.
    """
    if value is None or value == '':
        return frozenset()
    if not isinstance(value, str):
        return frozenset(value)
    try:
        return frozenset(parse_cpu_spec(value))
    except errors.InvalidCPUSpec as exc:
        raise errors.InvalidHostConfig(
            option, exc.message.rstrip('.'),
            "give a CPU list such as '%s'" % example)


def format_cpu_spec(cpuset, allow_ranges=True):
    """Format a set of CPU ids as a spec string (``0-3,8``)."""
    if allow_ranges:
        ranges = []
        previndex = None
        for cpuindex in sorted(cpuset):
            if previndex is None or previndex != (cpuindex - 1):
                ranges.append([])
            ranges[-1].append(cpuindex)
            previndex = cpuindex

        parts = []
        for entry in ranges:
            if len(entry) == 1:
                parts.append(str(entry[0]))
            else:
                parts.append("%d-%d" % (entry[0], entry[len(entry) - 1]))
        return ",".join(parts)
    else:
        return ",".join(str(id) for id in sorted(cpuset))
