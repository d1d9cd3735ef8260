#!/usr/bin/env bash
# The picture of the ad-hoc deployment's run form in the README (docs/ui_adhoc_run_form.png): start the
# server and the serving process on a spare port with throw-away data, then let headless Chromium (Debian's
# chromium package) render the form. Run from the repository root with the project's venv active.
set -euo pipefail
port=${1:-4311}
tmp=$(mktemp -d)
export QINGFENG_DATA=$tmp PREFECT_HOME=$tmp/prefect
qingfeng server --port "$port" >"$tmp/server.log" 2>&1 & server=$!
trap 'kill $server $serve 2>/dev/null; rm -rf "$tmp"' EXIT
until curl -sf "http://127.0.0.1:$port/api/health" >/dev/null; do sleep 1; done
qingfeng serve --port "$port" >"$tmp/serve.log" 2>&1 & serve=$!
until id=$(curl -sf -X POST "http://127.0.0.1:$port/api/deployments/filter" -H 'content-type: application/json' -d '{}' \
           | python3 -c "import json,sys; print(next(d['id'] for d in json.load(sys.stdin) if d['name'] == 'ad-hoc'))" 2>/dev/null)
do sleep 1; done
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$tmp/chrome" --window-size=1400,1500 \
  --virtual-time-budget=20000 --hide-scrollbars --screenshot=docs/ui_adhoc_run_form.png \
  "http://127.0.0.1:$port/deployments/deployment/$id/run"
# The screening form (docs/ui_screen_form.png): a server path, a pasted list or a saved list (a block).
sid=$(curl -sf -X POST "http://127.0.0.1:$port/api/deployments/filter" -H 'content-type: application/json' -d '{}' \
      | python3 -c "import json,sys; print(next(d['id'] for d in json.load(sys.stdin) if d['name'] == 'screen'))")
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$tmp/chrome3" --window-size=1400,1300 \
  --virtual-time-budget=20000 --hide-scrollbars --screenshot=docs/ui_screen_form.png \
  "http://127.0.0.1:$port/deployments/deployment/$sid/run"
# The summary artifact of an ad-hoc run on the sample (docs/ui_run_summary.png): start the run as the form does,
# wait for it, then render the artifact's page.
run=$(curl -sf -X POST "http://127.0.0.1:$port/api/deployments/$id/create_flow_run" -H 'content-type: application/json' \
      -d '{"parameters": {"as_of": "2021-01-15"}}' | python3 -c "import json,sys; print(json.load(sys.stdin)['id'])")
until state=$(curl -sf "http://127.0.0.1:$port/api/flow_runs/$run" | python3 -c "import json,sys; print(json.load(sys.stdin)['state']['type'])") \
      && [[ $state == COMPLETED || $state == FAILED || $state == CRASHED || $state == CANCELLED ]]; do sleep 3; done
art=$(curl -sf -X POST "http://127.0.0.1:$port/api/artifacts/filter" -H 'content-type: application/json' \
      -d '{"artifacts": {"key": {"any_": ["qingfeng-run-summary"]}}}' | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['id'])")
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$tmp/chrome2" --window-size=1400,1700 \
  --virtual-time-budget=20000 --hide-scrollbars --screenshot=docs/ui_run_summary.png \
  "http://127.0.0.1:$port/artifacts/artifact/$art"
