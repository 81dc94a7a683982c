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

"""The one reader of the host's ``/proc`` and ``/sys`` (and the few
``/etc`` and ``/dev`` files rtnova looks at).

Every read goes under an injectable root, so the same code runs on the
real host (``/``) and on fake trees in tests, and returns plain data
(numbers, CPU sets, ``hardware.threads.Thread`` records). Reads of another
user's process that need privileges take a ``ptrace_read`` callable: the
privsep client passes its entrypoint, and the privsep daemon's entrypoint
reads with this same reader. Writes are not here: each has one owner
(``privsep.host_ops``, ``shield``, ``probe.rt_runtime``).
"""
