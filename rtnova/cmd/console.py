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

"""What every rtnova console script shares: how it ends on a closed pipe.

``rtnova-status --json | head`` closes the pipe while the command still
writes. Python raises BrokenPipeError there and again when it flushes
standard output at exit; the operator would see two tracebacks for a
normal shell idiom. The scripts stop quietly instead, as cat and grep do.
"""

import functools
import os
import sys

#: exit status after the reader went away (1: not every line was written)
CLOSED_PIPE = 1


def quiet_on_closed_pipe(main):
    """Wrap a console script's ``main`` so a closed pipe ends it quietly."""
    @functools.wraps(main)
    def run(*args, **kwargs):
        try:
            return main(*args, **kwargs)
        except BrokenPipeError:
            # nothing more can reach the reader; point stdout at /dev/null
            # so the interpreter's final flush does not raise again
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
            return CLOSED_PIPE
    return run
