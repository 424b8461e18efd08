# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The parse side of Rackspace Identity v2.0 (``POST /v2.0/tokens``): the token, the tenant and the
Cloud Backup endpoint of the service catalog (type ``rax:backup``), or the malformed-answer
ApiError naming Rackspace Identity and the field. Pure: no request is sent from here (the session
side is ``identity.py``).

Identity's answer holds a token not yet registered as a secret: no message here quotes it, and no
error carries it as its body.

The answer's shape and how the endpoint is chosen: docs/dev/vendors/rackspace.md ("Identity v2.0
and the service catalog").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from urllib.parse import urlsplit

from ansible_collections.actiongate.agents.plugins.module_utils import _shape
from ansible_collections.actiongate.agents.plugins.module_utils._errors import ConfigError

CATALOG_TYPE = "rax:backup"  # the Cloud Backup entry of the service catalog
WHERE = "Rackspace Identity POST /tokens"
ADVICE = "If Rackspace Identity is healthy, report this."


def reader():
    """The reader of an Identity answer, without the answer as the error's body."""
    return _shape.Shape(WHERE, None, ADVICE)


def catalog_endpoints(body):
    """``(access, endpoints)``: the ``rax:backup`` endpoints of an Identity v2.0 answer, each checked."""
    shape = reader()
    shape.check(body, dict, "the answer")
    access = shape.field(body, "access", dict, "", required=True)
    catalog = shape.objects(shape.field(access, "serviceCatalog", list, "access") or [], "access.serviceCatalog")
    endpoints = []
    for index, entry in enumerate(catalog):
        if entry.get("type") == CATALOG_TYPE:
            path = "access.serviceCatalog[%d].endpoints" % index
            found = shape.objects(shape.field(entry, "endpoints", list, "access.serviceCatalog[%d]" % index) or [], path)
            for number, endpoint in enumerate(found):
                shape.text(endpoint.get("publicURL"), "%s[%d].publicURL" % (path, number))
                shape.text(endpoint.get("region"), "%s[%d].region" % (path, number))
            endpoints.extend(found)
    return access, endpoints


def parse_access(body, region):
    """``(token, tenant, endpoint_url)`` from an Identity v2.0 answer; the endpoint is the
    ``rax:backup`` one in ``region`` (else the user's default region, else the only one)."""
    access, endpoints = catalog_endpoints(body)
    shape = reader()
    token = shape.field(access, "token", dict, "access", required=True)
    token_id = _shape.text(token.get("id"))
    if token_id is None:
        shape.fail("access.token.id", "is %s, not a token" % _shape.kind(token.get("id")))
    user = access.get("user") if isinstance(access.get("user"), dict) else {}
    wanted = _shape.text(region) or _shape.text(user.get("RAX-AUTH:defaultRegion"))
    regional = [e for e in endpoints if _shape.text(e.get("region"))]
    chosen = [e for e in regional if e["region"].upper() == wanted.upper()] if wanted else endpoints
    if not chosen or not _shape.text(chosen[0].get("publicURL")):
        where = " in region %s" % wanted if wanted else ""
        regions = ", ".join(sorted(e["region"] for e in regional)) or "none"
        raise ConfigError("The service catalog has no Cloud Backup (%s) endpoint%s (regions with one: %s). "
                          "Set region to one of those, or give url." % (CATALOG_TYPE, where, regions))
    url = chosen[0]["publicURL"]
    try:
        urlsplit(url)
    except ValueError:  # such as an unclosed "[" of an IPv6 host
        shape.fail("the %s endpoint's publicURL" % CATALOG_TYPE, "is not a URL")
    tenant = token.get("tenant") if isinstance(token.get("tenant"), dict) else {}
    return token_id, _shape.ident(tenant.get("id")), url


def identity_refusal(body):
    """The message of an Identity fault such as {"unauthorized": {"code": 401, "message": ...}}."""
    for value in (body.values() if isinstance(body, dict) else ()):
        message = _shape.text(value.get("message")) if isinstance(value, dict) else None
        if message:
            return message
    return None
