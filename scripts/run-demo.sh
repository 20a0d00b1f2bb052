#!/usr/bin/env bash
# make run: the demo (see scripts/demo.py).
. "$(dirname "$0")/common.sh"
exec /usr/bin/python3 "$TOP/scripts/demo.py"
