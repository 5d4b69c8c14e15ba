"""Read one of botocore's data files compactly: plain dicts, no documentation strings, the bucket's services only.

Standard library only: `hera.storage` runs this module as a short-lived process for botocore's two big files
(`python -m hera.botocore_data <path>`), so that parsing them never touches the memory of the long-lived process: the
endpoints table is 1.25 MB of JSON for every AWS service, and the objects Python builds and then drops while pruning
it stay behind in its allocator (measured: 4.2 MB kept by a book worker for a table of two services).
"""

import gzip
import json
import os
import sys

# The services a bucket session can call: S3 itself, and STS for a profile that assumes a role.
SERVICES = frozenset({"s3", "sts"})
DOCUMENTATION_KEYS = frozenset({"documentation", "documentationUrl"})
OPENERS = ((".json", open), (".json.gz", gzip.open))  # botocore's own _JSON_OPEN_METHODS


def empty_documentation(mapping: dict) -> dict:
    """Empty the documentation strings of a service model's object: 80 % of S3's model (1.04 of 1.29 MB of JSON),
    read by botocore only to write docstrings (the keys stay: some of its code expects them)."""
    for key in DOCUMENTATION_KEYS & mapping.keys():
        mapping[key] = ""
    return mapping


def read_compact(file_path: str):
    """Return the data of `file_path` (without its .json or .json.gz extension) as Hera keeps it, or None."""
    for extension, opener in OPENERS:
        if os.path.isfile(file_path + extension):
            service_model = os.path.basename(file_path) == "service-2"
            with opener(file_path + extension, "rb") as fh:
                data = json.loads(fh.read().decode("utf-8"), object_hook=empty_documentation if service_model else None)
            if os.path.basename(file_path) == "endpoints":
                for partition in data.get("partitions", []):
                    services = partition.get("services", {})
                    partition["services"] = {name: services[name] for name in SERVICES if name in services}
            return data
    return None


if __name__ == "__main__":
    json.dump(read_compact(sys.argv[1]), sys.stdout, separators=(",", ":"))
