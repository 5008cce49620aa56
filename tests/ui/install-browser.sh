#!/usr/bin/env bash
# Install the browser that the dashboard's UI tests drive: Debian's chromium.
# (Playwright's own browser download does not work here; Debian's package does.)
# Does nothing when the browser is already there. CHROMIUM_EXECUTABLE names another one.
set -euo pipefail

exe="${CHROMIUM_EXECUTABLE:-/usr/bin/chromium}"
if [ -x "$exe" ]; then
  echo "install-browser: $exe is installed ($("$exe" --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi
if [ "$exe" != /usr/bin/chromium ]; then
  echo "install-browser: CHROMIUM_EXECUTABLE=$exe does not exist" >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=(env)
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo env)
else
  echo "install-browser: installing chromium needs root or sudo: apt-get install chromium" >&2
  exit 1
fi

echo "install-browser: installing Debian's chromium (about a minute and 500 MB the first time)"
"${as_root[@]}" DEBIAN_FRONTEND=noninteractive apt-get update -q
"${as_root[@]}" DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
echo "install-browser: $("$exe" --version)"
