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

"""neutron's WSGI application with its database models fully mapped.

neutron 29 under uWSGI serves its first port listing before SQLAlchemy has
configured the relationships that other models add to ``Port`` by backref
(``port_forwardings``): ``GET /v2.0/ports`` then fails with AttributeError.
Configuring the mappers once, after neutron loaded its plugins, is what
neutron-server's own start-up ends up with.
"""

from sqlalchemy import orm

from neutron.wsgi.api import application  # noqa: F401

orm.configure_mappers()
