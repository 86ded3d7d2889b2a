#!/usr/bin/env python3
"""Every module a target imports must be one the manifest makes it depend on.

A target that imports a sibling module it does not name still compiles whenever the build
happens to finish that sibling first, and fails on a clean machine when it does not: CI once
failed so (EngineTests imported Replay). This check reads the manifest (`swift package
dump-package`) and every source file's `import` lines, and names each import that no declared
dependency provides.

A module of this package must be among the target's dependencies, directly or through its
own. A module of another package must be a product the target, or one of its local
dependencies, names. The toolchain's modules are always allowed.

Usage: scripts/check-imports.py [--swift SWIFT]   (exit 1 on any undeclared import)
"""
import argparse
import json
import os
import re
import subprocess
import sys

TOOLCHAIN = {"Foundation", "FoundationEssentials", "FoundationNetworking", "Dispatch", "Glibc",
             "Musl", "Darwin", "Testing", "XCTest", "Synchronization", "_Concurrency", "Swift",
             "os", "Observation", "RegexBuilder", "_StringProcessing"}
# Tests embed Python scripts in multi-line string literals; their imports are not Swift's.
MULTILINE_STRING = re.compile(r'#*"""[\s\S]*?"""#*')
IMPORT = re.compile(r"^\s*(?:@[\w()]+\s+)*import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?([A-Za-z_]\w*)",
                    re.MULTILINE)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--swift", default=os.environ.get("SWIFT", "swift"))
    args = parser.parse_args()
    dump = subprocess.run(args.swift.split() + ["package", "dump-package"], check=True,
                          capture_output=True, text=True).stdout
    targets = {t["name"]: t for t in json.loads(dump)["targets"]}

    def local(target):
        return [d["byName"][0] for d in target["dependencies"] if "byName" in d] + \
               [d["target"][0] for d in target["dependencies"] if "target" in d]

    def products(target):
        return {d["product"][0] for d in target["dependencies"] if "product" in d}

    def closure(name, seen=None):
        seen = set() if seen is None else seen
        for dep in local(targets[name]):
            if dep not in seen:
                seen.add(dep)
                closure(dep, seen)
        return seen

    def folder(target):
        if target.get("path"):
            return target["path"]
        base = "Tests" if target["type"] == "test" else "Sources"
        return os.path.join(base, target["name"])

    problems = []
    for name, target in targets.items():
        if target["type"] == "system":
            continue
        reachable = closure(name)
        allowed_products = set(products(target))
        for dep in reachable:
            allowed_products |= products(targets[dep])
        for root, _, files in os.walk(folder(target)):
            for file in sorted(files):
                if not file.endswith(".swift"):
                    continue
                path = os.path.join(root, file)
                with open(path, encoding="utf-8") as source:
                    text = MULTILINE_STRING.sub("", source.read())
                for module in sorted(set(IMPORT.findall(text))):
                    if module in TOOLCHAIN or module == name.replace("-", "_"):
                        continue
                    if module in targets:
                        if module not in reachable:
                            problems.append(f"{path}: imports {module}, which target {name} does not depend on")
                    elif module not in allowed_products:
                        problems.append(f"{path}: imports {module}, a product target {name} does not name")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} undeclared import(s): name them in Package.swift", file=sys.stderr)
        return 1
    print(f"imports: every import of {len(targets)} targets is a declared dependency")
    return 0


if __name__ == "__main__":
    sys.exit(main())
