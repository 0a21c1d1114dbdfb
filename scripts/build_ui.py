#!/usr/bin/env python3
"""Fetch YASGUI from the npm registry and copy its built files into endpoint/static/yasgui/.

Run once by a developer when upgrading YASGUI; the copied files are committed,
so installing patrimoine-kg needs neither npm nor a CDN. Writes:

* ``yasgui.min.js``, ``yasgui.min.css`` — the package's self-contained build
  (its dependencies, CodeMirror and the others, are bundled in it);
* ``LICENSE`` — YASGUI's licence, as its package declares it;
* ``THIRD-PARTY-NOTICES.txt`` — the licence of every package bundled in the build;
* ``PROVENANCE.md`` — package, version, registry integrity and sha256 of each file.

Usage: ``python3 scripts/build_ui.py [--version 4.6.2]`` (needs ``npm`` on the PATH).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PACKAGE = "@zazuko/yasgui"
VERSION = "4.6.2"
BUILD_FILES = ("yasgui.min.js", "yasgui.min.css")
ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "endpoint" / "static" / "yasgui"
LICENCE_NAMES = ("license", "license.md", "license.txt", "licence", "licence.md", "copying", "notice")
# Type declarations are not part of the JavaScript build.
NOT_BUNDLED_PREFIXES = ("@types/",)

MIT = """MIT License

Copyright (c) {holders}

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def install(version: str, prefix: Path) -> None:
    if shutil.which("npm") is None:
        sys.exit("npm is needed to fetch YASGUI: install Node.js (Debian: apt-get install npm)")
    subprocess.run(["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--ignore-scripts",
                    "--omit=dev", f"{PACKAGE}@{version}"], check=True, stdout=subprocess.DEVNULL)


def packages(node_modules: Path) -> list[Path]:
    dirs = []
    for entry in sorted(node_modules.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.name.startswith("@"):
            dirs += [d for d in sorted(entry.iterdir()) if (d / "package.json").exists()]
        elif (entry / "package.json").exists():
            dirs.append(entry)
    return dirs


def licence_text(package_dir: Path) -> str | None:
    for f in sorted(package_dir.iterdir()):
        if f.is_file() and f.name.lower() in LICENCE_NAMES:
            return f.read_text(encoding="utf-8", errors="replace").strip()
    return None


def holders(meta: dict) -> str:
    names = []
    for person in [meta.get("author"), *meta.get("contributors", [])]:
        if isinstance(person, dict):
            person = person.get("name")
        if person:
            names.append(str(person))
    return ", ".join(names) or "the YASGUI authors"


def notices(node_modules: Path) -> str:
    out = [f"Packages bundled in yasgui.min.js / yasgui.min.css ({PACKAGE}), with their licences.\n"]
    for d in packages(node_modules):
        meta = json.loads((d / "package.json").read_text(encoding="utf-8"))
        name = meta.get("name", d.name)
        if name.startswith(NOT_BUNDLED_PREFIXES):
            continue
        licence = meta.get("license") or meta.get("licenses") or "unstated"
        text = licence_text(d) or (f"(no licence file in the package; its package.json declares: {licence})")
        out.append(f"{'=' * 78}\n{name} {meta.get('version', '')} — {licence}\n{'=' * 78}\n{text}\n")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default=VERSION, help=f"version of {PACKAGE} (default {VERSION})")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="yasgui-") as tmp:
        prefix = Path(tmp)
        install(args.version, prefix)
        node_modules = prefix / "node_modules"
        pkg = node_modules / PACKAGE
        meta = json.loads((pkg / "package.json").read_text(encoding="utf-8"))
        lock = json.loads((prefix / "package-lock.json").read_text(encoding="utf-8"))
        integrity = lock["packages"][f"node_modules/{PACKAGE}"].get("integrity", "")
        TARGET.mkdir(parents=True, exist_ok=True)
        for name in BUILD_FILES:
            shutil.copyfile(pkg / "build" / name, TARGET / name)
        own = licence_text(pkg)
        if own is None:  # the package ships none: write the licence its package.json declares
            if meta.get("license") != "MIT":
                sys.exit(f"{PACKAGE} declares the licence {meta.get('license')!r}: check it before bundling")
            own = MIT.format(holders=holders(meta))
        (TARGET / "LICENSE").write_text(own.rstrip() + "\n", encoding="utf-8")
        (TARGET / "THIRD-PARTY-NOTICES.txt").write_text(notices(node_modules), encoding="utf-8")
    rows = "\n".join(f"| `{name}` | {(TARGET / name).stat().st_size} | `{sha256(TARGET / name)[:16]}` |"
                     for name in BUILD_FILES)
    (TARGET / "PROVENANCE.md").write_text(
        f"# YASGUI build\n\nCopied by `scripts/build_ui.py` from the npm package `{PACKAGE}@{meta['version']}`"
        f" (`build/`), registry integrity `{integrity}`.\nLicence: {meta.get('license')} (see LICENSE); bundled"
        f" packages and their licences: THIRD-PARTY-NOTICES.txt.\nHome page: {meta.get('homepage', '')}\n\n"
        f"| file | bytes | sha256[:16] |\n|---|---|---|\n{rows}\n", encoding="utf-8")
    print(f"{PACKAGE}@{meta['version']} copied into {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
