#!/usr/bin/env python3
"""Prints the ninja targets a meson test suite needs (its test programs and what they
depend on), so a build dir can build just those: `ninja -C B $(suite_targets.py B unit)`."""
import json
import os
import subprocess
import sys


def introspect(build, what):
    out = subprocess.run(["meson", "introspect", build, what], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    build, suite = os.path.abspath(sys.argv[1]), "orch:" + sys.argv[2]
    files = {t["id"]: t["filename"] for t in introspect(build, "--targets")}
    targets = set()
    for test in introspect(build, "--tests"):
        if suite not in test["suite"]:
            continue
        for dep in test["depends"]:
            targets.update(os.path.relpath(f, build) for f in files.get(dep, []))
    print(" ".join(sorted(targets)))


if __name__ == "__main__":
    main()
