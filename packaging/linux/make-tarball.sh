#!/usr/bin/env bash
# dist/enclave/ → dist/enclave-VERSION-linux-ARCH.tar.gz, with a per-user installer inside.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=${1:?version}
NAME=enclave-$VERSION-linux-$(uname -m)
STAGE=dist/$NAME
rm -rf "$STAGE" && mkdir -p "$STAGE"
cp -a dist/enclave "$STAGE/enclave"
cp packaging/linux/enclave.desktop packaging/linux/enclave.png packaging/linux/install.sh "$STAGE/"
tar -C dist -czf "dist/$NAME.tar.gz" "$NAME"
rm -rf "$STAGE"
echo "dist/$NAME.tar.gz ($(du -h "dist/$NAME.tar.gz" | cut -f1))"
