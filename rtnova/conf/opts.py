"""oslo.config.opts entry point: what ``oslo-config-generator`` lists."""

import rtnova.conf


def list_opts():
    return [(rtnova.conf.GROUP, rtnova.conf.all_opts())]
