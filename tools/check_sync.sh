#!/usr/bin/env bash
# Fails when nbdev_clean or nbdev_export would change anything under nbs/ or seg3d/:
# notebooks must be committed clean and the package must be exported from them.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
state() { git status --porcelain --untracked-files=all -- nbs seg3d; git diff -- nbs seg3d; }
before=$(state | sha1sum)
nbdev_clean >/dev/null
nbdev_export >/dev/null
after=$(state | sha1sum)
if [ "$before" != "$after" ]; then
  echo "nbdev_clean / nbdev_export changed files: run them and commit the result" >&2
  git status --short -- nbs seg3d >&2
  exit 1
fi
echo "notebooks clean, package in sync with nbs/"
