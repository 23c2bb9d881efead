#!/usr/bin/env bash
# Creates the oracle's Python environment: the official Anthropic Python SDK (and botocore, for Claude on
# Amazon Bedrock) at the exact versions every expected output of this repository was made with.
#
#   bash tests/oracle/setup.sh                 # -> target/oracle-venv (inside the repository; ignored by git)
#   ORACLE_VENV=/some/dir bash tests/oracle/setup.sh
#
# Needs python3 (>= 3.9, with the venv module) and access to PyPI; installs by package name with pip.
# The versions are pinned so that regenerated outputs stay comparable with the committed ones: bump them only
# on purpose, then rerun every regeneration script and review the diff.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="${ORACLE_VENV:-$ROOT/target/oracle-venv}"

rm -rf "$VENV"
mkdir -p "$(dirname "$VENV")"
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --upgrade pip
"$VENV/bin/pip" install --quiet -c "$HERE/constraints.txt" "anthropic[bedrock]==2.13.0" "httpx==0.28.1"
"$VENV/bin/python" -c 'import anthropic, botocore, httpx2, jiter; print("oracle:", "anthropic", anthropic.__version__, "botocore", botocore.__version__, "jiter", jiter.__version__)'

# Smoke test: a one-block stream through the SSE oracle.
sample="$(mktemp)"
trap 'rm -f "$sample"' EXIT
printf '%s\n' \
  'event: message_start' \
  'data: {"type":"message_start","message":{"id":"msg_smoke","type":"message","role":"assistant","model":"claude-x","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":1}}}' \
  '' \
  'event: content_block_start' \
  'data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}' \
  '' \
  'event: content_block_delta' \
  'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}' \
  '' \
  'event: content_block_stop' \
  'data: {"type":"content_block_stop","index":0}' \
  '' \
  'event: message_delta' \
  'data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":2}}' \
  '' \
  'event: message_stop' \
  'data: {"type":"message_stop"}' \
  '' >"$sample"
"$VENV/bin/python" "$HERE/final_message.py" "$sample" --beta | grep -q '"text": "Hello"'
echo "oracle environment ready: $VENV"
