# -*- coding: utf-8 -*-
# Copyright: actiongate.agents contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PRIVATE: this file is not a public API of the collection and may change without notice.
"""The connection options every vendor module and lookup takes: declared here, once.

Each entry is an AnsibleModule argspec entry (``type``, ``default``, ``choices``, ...) with the
collection's extension keys beside it (``_options.EXTENSION_KEYS``): ``range`` ``(low, high)``,
``exclusive_low`` (the low end itself is refused), ``unit`` (named in messages), ``env``, and
``file`` (the kind of PEM file the option names, opened and read before any request).
``_runner.argument_spec`` builds the modules' argspecs from it; ``_options.check_options`` checks
its ranges before any request; the doc fragment ``connection`` documents it, and
``tests/unit/plugins/test_option_docs.py`` holds the two together. See docs/dev/options.md.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

CONNECTION_SPEC = {
    "validate_certs": {"type": "bool", "default": True},
    # Its environment variable is the vendor's (``_vendor.CA_PATH_ENV``), read (and its file checked)
    # when the client is made. A CA may also be a directory of certificates; none is read when
    # validate_certs is false.
    "ca_path": {"type": "path", "file": "ca"},
    "client_cert": {"type": "path", "file": "cert"},
    "client_key": {"type": "path", "no_log": False, "file": "key"},
    "request_timeout": {"type": "float", "default": 30.0, "range": (0.0, 3600.0), "exclusive_low": True,
                        "unit": "seconds"},
}
