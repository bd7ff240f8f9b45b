#!/bin/sh
# Builds the mock Kafka broker (mock-broker.c) into bin/mock-broker. Needs a C compiler and librdkafka's headers:
#   apt-get install -y --no-install-recommends librdkafka-dev gcc libc6-dev
# The binary is written to a temporary name and renamed, so that test processes building at the same time never run
# a half-written file. CC and CFLAGS are honoured.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$here/bin"
tmp="$here/bin/.mock-broker.$$"
trap 'rm -f "$tmp"' EXIT

# pkg-config knows the flags when librdkafka lives somewhere unusual; plain -lrdkafka covers the Debian package.
if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists rdkafka 2>/dev/null; then
  rdkafka_flags=$(pkg-config --cflags --libs rdkafka)
else
  rdkafka_flags=-lrdkafka
fi

# shellcheck disable=SC2086 # the flag lists are meant to be split
${CC:-gcc} -std=c11 -O2 -Wall -Wextra ${CFLAGS:-} -o "$tmp" "$here/mock-broker.c" $rdkafka_flags -pthread
mv -f "$tmp" "$here/bin/mock-broker"
echo "built $here/bin/mock-broker" >&2
