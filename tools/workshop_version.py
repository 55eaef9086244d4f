"""Point every link learners follow at one fixed version (a tag) or a fork, for a workshop.

`main` moves; during a workshop, a push must not change what learners run. This rewrites, in
place, every place that names the repository and its branch:

- README.md: the Colab badges of the course map, the Binder badge, the nbgitpuller link;
- tools/course_map.py: the badge template it regenerates the course map with;
- notebooks/py/*.py and notebooks/*.ipynb: ``COURSE_PACKAGE``, what the Colab setup cell
  installs (``git+https://github.com/OWNER/REPO@TAG``);
- docs/setup.md: the `git clone` command (``--branch TAG``).

Usage, on a branch made for the workshop (a branch, not only a tag: nbgitpuller's `branch=`
parameter is documented for branches; Colab, Binder and pip accept either)::

    python tools/workshop_version.py --ref workshop-2027-03
    python tools/workshop_version.py --ref workshop-2027-03 --repo my-org/dense-activations
    git commit -am "Workshop 2027-03" && git push origin HEAD:workshop-2027-03
    python tools/workshop_version.py --check      # which repository and ref the links name

The branch must then exist on GitHub: Colab, Binder, pip and nbgitpuller fetch it from there;
push to it during the workshop only a fix you mean everyone to get. `--ref main
--repo dl-course/dense-activations` restores the repository's own links.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = r"[A-Za-z0-9_.-]+"
REF = r"[A-Za-z0-9_./-]+?"

# (files, pattern, replacement): each pattern has groups "owner", "repo" and "ref".
RULES = [
    (
        ["README.md"],
        rf"colab\.research\.google\.com/github/(?P<owner>{NAME})/(?P<repo>{NAME})/blob/"
        rf"(?P<ref>{REF})/notebooks/",
        "colab.research.google.com/github/{owner}/{repo}/blob/{ref}/notebooks/",
    ),
    (
        ["README.md"],
        rf"mybinder\.org/v2/gh/(?P<owner>{NAME})/(?P<repo>{NAME})/(?P<ref>{REF})\?",
        "mybinder.org/v2/gh/{owner}/{repo}/{ref}?",
    ),
    (
        ["README.md"],
        rf"repo=https%3A%2F%2Fgithub\.com%2F(?P<owner>{NAME})%2F(?P<repo>{NAME})&branch="
        rf"(?P<ref>{REF})&urlpath=lab%2Ftree%2F{NAME}%2F",
        "repo=https%3A%2F%2Fgithub.com%2F{owner}%2F{repo}&branch={ref}"
        "&urlpath=lab%2Ftree%2F{repo}%2F",
    ),
    (
        ["tools/course_map.py"],
        rf'REPO_PATH = "github/(?P<owner>{NAME})/(?P<repo>{NAME})/blob/(?P<ref>{REF})/notebooks"',
        'REPO_PATH = "github/{owner}/{repo}/blob/{ref}/notebooks"',
    ),
    (
        ["notebooks/py/[0-9][0-9]_*.py", "notebooks/[0-9][0-9]_*.ipynb"],
        # In an .ipynb the closing quote is JSON-escaped (\"); main has no @ref.
        rf"git\+https://github\.com/(?P<owner>{NAME})/(?P<repo>{NAME}?)(?:@(?P<ref>{REF}))?"
        r'(?=\\?")',
        "git+https://github.com/{owner}/{repo}{at_ref}",
    ),
    (
        ["docs/setup.md"],
        rf"git clone (?:--branch (?P<ref>{REF}) )?https://github\.com/(?P<owner>{NAME})/"
        rf"(?P<repo>{NAME}?)\.git\ncd {NAME}\n",
        "git clone {branch}https://github.com/{owner}/{repo}.git\ncd {repo}\n",
    ),
]


def _files(root: Path, globs: list[str]) -> list[Path]:
    return sorted(path for pattern in globs for path in root.glob(pattern))


def current(root: Path = ROOT) -> dict[tuple[str, str], list[str]]:
    """{(owner/repo, ref): [where]} for every link the rules know (a missing @ref is main)."""
    found: dict[tuple[str, str], list[str]] = {}
    for globs, pattern, _ in RULES:
        for path in _files(root, globs):
            for match in re.finditer(pattern, path.read_text(encoding="utf-8")):
                key = (f"{match['owner']}/{match['repo']}", match["ref"] or "main")
                found.setdefault(key, []).append(str(path.relative_to(root)))
    return found


def rewrite(root: Path, repo: str, ref: str) -> list[str]:
    """Point every link at ``repo`` (owner/name) and ``ref``; return the files changed."""
    owner, name = repo.split("/")
    values = dict(
        owner=owner,
        repo=name,
        ref=ref,
        at_ref="" if ref == "main" else f"@{ref}",
        branch="" if ref == "main" else f"--branch {ref} ",
    )
    changed = []
    for globs, pattern, replacement in RULES:
        for path in _files(root, globs):
            text = path.read_text(encoding="utf-8")
            new, count = re.subn(pattern, replacement.format(**values).replace("\\", r"\\"), text)
            if count == 0:
                raise SystemExit(f"{path.relative_to(root)}: no link matches {pattern!r}")
            if new != text:
                path.write_text(new, encoding="utf-8")
                changed.append(str(path.relative_to(root)))
    return sorted(set(changed))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ref", help="the tag (or branch) learners get, e.g. workshop-2027-03")
    parser.add_argument("--repo", help="owner/name of the fork (default: the one the links name)")
    parser.add_argument("--check", action="store_true", help="only report the links' targets")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    found = current(args.root)
    if args.check or not args.ref:
        for (repo, ref), where in sorted(found.items()):
            print(f"{repo} @ {ref}: {len(where)} links ({', '.join(sorted(set(where)))})")
        return 0 if len(found) == 1 else 1
    if args.repo is None and len({repo for repo, _ in found}) != 1:
        raise SystemExit(f"the links name several repositories, pass --repo: {sorted(found)}")
    repo = args.repo or next(iter(found))[0]
    if not re.fullmatch(rf"{NAME}/{NAME}", repo):
        raise SystemExit(f"--repo must be owner/name, got {repo!r}")
    if not re.fullmatch(REF.rstrip("?"), args.ref):
        raise SystemExit(f"--ref {args.ref!r}: letters, digits and . _ / - only")
    changed = rewrite(args.root, repo, args.ref)
    print(f"links now point at {repo} @ {args.ref}; changed: {', '.join(changed) or 'nothing'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
