#!/usr/bin/env bash
# Install the Debian packages the full test suite uses, plus any named as arguments
# (as root; a no-op for what is already there).
set -euo pipefail
packages=(postgresql chromium nginx libnginx-mod-http-brotli-static redis-server fonts-wqy-microhei "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "note: missing system packages (${missing[*]}): their tests will be skipped" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
