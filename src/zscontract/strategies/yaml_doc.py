"""Model-service YAML documents, every one valid against the contract's ``ModelServiceYaml`` schema.

That schema (``contracts/schemas/ModelServiceYaml.json``) is the one authority on the yaml field's
must-accept domain (:func:`zscontract.core.cases.is_model_service_yaml`); this generator is written
to its patterns and limits, and a test draws many documents and validates each against it.
"""

from __future__ import annotations

import string

import yaml
from hypothesis import strategies as st

_ALNUM = string.ascii_letters + string.digits
_KEY_START = string.ascii_letters + "_"
_KEY = _ALNUM + "_"
_VALUE = _ALNUM + "._/-"
_PACKAGE = _ALNUM + "._+-"
# Around the document: a leading newline now and then, and trailing whitespace (Java trims it all).
_LEADS = ("", "", "\n")
_TAILS = ("", "", "\n", "\n\n", " \n")


def _service() -> st.SearchStrategy[dict[str, object]]:
    return st.fixed_dictionaries({
        "name": st.text(_ALNUM, min_size=1, max_size=12),
        "ports": st.lists(st.integers(1, 65535), min_size=1, max_size=3),
        "livez": st.sampled_from(["/livez", "/healthz", "/v1/live"]),
        "readyz": st.sampled_from(["/readyz", "/ready", "/v1/ready"]),
        "serviceBootupTime": st.integers(1, 3600),
    })


def _document() -> st.SearchStrategy[dict[str, object]]:
    service = _service()
    # Mostly small documents; now and then a large one (real configurations run to kilobytes),
    # made of one drawn service repeated under numbered names: drawing 40 would cost 40 times more.
    # Each copy gets its own ports list: a shared one would be dumped as a YAML anchor and aliases.
    large = st.builds(lambda svc, n: [{**svc, "name": f"{svc['name']}-{i}", "ports": list(svc["ports"])}
                                      for i in range(n)], service, st.integers(20, 40))
    small = st.lists(service, min_size=1, max_size=3)
    env_item = st.builds("{}{}:{}".format, st.sampled_from(_KEY_START), st.text(_KEY, max_size=8),
                         st.text(_VALUE, max_size=12))
    packages = st.lists(st.text(_PACKAGE, min_size=1, max_size=10), min_size=1, max_size=3).map(",".join)
    return st.fixed_dictionaries({
        "services": st.sampled_from([small, small, small, large]).flatmap(lambda s: s),
        "env": st.lists(env_item, max_size=3),
        "distro": st.fixed_dictionaries({"packages": packages}),
        "python": st.fixed_dictionaries({
            "requirements_txt": st.sampled_from(["./requirements.txt", "requirements.txt", "/opt/app/req.txt"]),
            "index_url": st.sampled_from(["https://pypi.example.com/simple", "http://10.0.0.1:8080/simple"]),
            "trusted_host": st.sampled_from(["pypi.example.com", "10.0.0.1"]),
        }),
    })


# libyaml's dumper when present: the same text as safe_dump (3,000 generated documents compared),
# at a fifth of the cost.
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def dump(doc: object) -> str:
    return str(yaml.dump(doc, Dumper=_DUMPER, allow_unicode=True, sort_keys=False))


def yaml_document() -> st.SearchStrategy[str]:
    """A model-service YAML document in the page's shape, with outer newlines now and then."""
    return st.builds(lambda lead, doc, tail: lead + dump(doc) + tail,
                     st.sampled_from(_LEADS), _document(), st.sampled_from(_TAILS))


def plain_yaml_document(n: int) -> str:
    """A small deterministic document valid against ModelServiceYaml, distinct for each ``n``."""
    return dump({
        "services": [{"name": f"zsc{n}", "ports": [8000 + n % 1000], "livez": "/livez", "readyz": "/readyz",
                      "serviceBootupTime": 60}],
        "env": [f"K{n}:v{n}"],
        "distro": {"packages": "python3"},
        "python": {"requirements_txt": "./requirements.txt", "index_url": "https://pypi.example.com/simple",
                   "trusted_host": "pypi.example.com"},
    }) + "\n"
