"""What the parsers' shape tests share (Puppet, Rackspace, Cortex XDR and Cybereason; every
parser ends in statuses or the malformed-answer error, docs/dev/architecture.md "The parse side"):
arbitrary JSON values, a recorded answer with one field removed, nulled or retyped, the hypothesis
settings, and the line that prints how many examples ran past pytest's capture.

Each test file keeps its own parsers, recorded answers and judgement; only the strategies and the
mutation live here, so a fix to either reaches every vendor."""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

HOW = ("remove", "null", "retype")


def json_values(words=(), keys=(), bits=63, nan=False, infinity=None, key_size=6, max_leaves=25):
    """Any JSON value: scalars (with ``words``, strings the parser looks for, among them), lists of
    up to 4 and objects of up to 5 members whose names are often ``keys`` (names the parser reads).
    Integers span +-2**bits; ``nan`` and ``infinity`` as hypothesis's ``floats`` takes them."""
    scalars = (st.none() | st.booleans() | st.integers(min_value=-2 ** bits, max_value=2 ** bits)
               | st.floats(allow_nan=nan, allow_infinity=infinity) | st.text(max_size=12))
    if words:
        scalars = scalars | st.sampled_from(list(words))
    names = st.text(max_size=key_size)
    if keys:
        names = st.sampled_from(list(keys)) | names
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(names, inner, max_size=5),
                        max_leaves=max_leaves)


def paths(value, root=False, items=None, prefix=()):
    """Every path (a tuple of keys and indexes) into a JSON value, parents before children: the
    root ``()`` too when ``root``, and only the first ``items`` members of each list when given."""
    found = [prefix] if root else []
    if isinstance(value, dict):
        children = list(value.items())
    elif isinstance(value, list):
        children = list(enumerate(value))[:items]
    else:
        children = []
    for key, child in children:
        found.extend(paths(child, True, items, prefix + (key,)))
    return found


def mutate(document, path, how, replacement):
    """A copy of ``document`` with the value at ``path`` removed, nulled or replaced by
    ``replacement`` (``how`` is one of HOW); at the root, removing or nulling leaves None."""
    if not path:
        return replacement if how == "retype" else None
    result = copy.deepcopy(document)
    parent = result
    for key in path[:-1]:
        parent = parent[key]
    if how == "remove":
        del parent[path[-1]]
    else:
        parent[path[-1]] = None if how == "null" else replacement
    return result


def mutated(answers, values, root=False, items=None):
    """One of ``answers`` with one field (at any depth, see paths) removed, nulled or given another
    value drawn from ``values``."""
    return st.sampled_from(list(answers)).flatmap(lambda answer: st.tuples(
        st.just(answer), st.sampled_from(paths(answer, root, items)), st.sampled_from(HOW), values,
    ).map(lambda drawn: mutate(*drawn)))


def examples(count=300, **more):
    """The settings of a shape test: ``count`` examples and no deadline (the machine is shared and
    loaded); the too_slow health check off unless ``more`` says otherwise."""
    more.setdefault("suppress_health_check", [HealthCheck.too_slow])
    return settings(max_examples=count, deadline=None, **more)


def print_line(config, line):
    """Print ``line`` on the terminal even while pytest captures output (the example counts)."""
    capture = config.pluginmanager.get_plugin("capturemanager")
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if capture is not None and reporter is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            reporter.write_line(line)
    else:
        print(line)
