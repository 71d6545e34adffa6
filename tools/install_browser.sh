#!/usr/bin/env bash
# Chromium for the browser tests (tests/test_browser.py): Debian's package where we are root with apt-get (CI, the
# project's machines); elsewhere say why those tests will skip. Playwright drives it through executable_path, so no
# browser download of Playwright's own is needed.
for b in chromium chromium-browser google-chrome; do command -v "$b" >/dev/null && exit 0; done
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian's chromium for the browser tests"
  if (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/tmp/seg3d_apt.log 2>&1; then exit 0; fi
  echo "apt-get install chromium failed (see /tmp/seg3d_apt.log)" >&2
fi
echo "no Chromium here and no way to install it: the browser tests will skip and say so" >&2
exit 0
