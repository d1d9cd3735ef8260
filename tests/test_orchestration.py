"""Orchestration with real processes: a Prefect server on loopback, `qingfeng serve`, runs started through
the REST API as the UI starts them, missed nightly runs caught up, and one writer at a time."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import AS_OF, ROOT, SAMPLE, run_cli

from sources import warehouse

TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flows.cli", *args], cwd=ROOT, env=env,
                            stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wait_for(check, timeout: float, what: str, logs: list[Path] = ()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except httpx.HTTPError:
            pass
        time.sleep(1)
    tails = "\n".join(f"--- {p.name}\n" + p.read_text(errors="replace")[-3000:] for p in logs if p.exists())
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{tails}")


class Retrying(httpx.HTTPTransport):
    """Prefect's server on SQLite answers 503 Service Unavailable while its database is locked by a busy
    writer (seen on two loaded cores when three flow runs start at once); a client retries, as the UI does."""

    def handle_request(self, request):
        for _ in range(30):
            response = super().handle_request(request)
            if response.status_code != 503:
                return response
            response.close()
            time.sleep(1)
        return response


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`qingfeng server` and `qingfeng serve` on a free loopback port, with their own data and Prefect home;
    everything they started is stopped at the end."""
    data = tmp_path_factory.mktemp("served")
    port = free_port()
    env = dict(os.environ, QINGFENG_DATA=str(data), PREFECT_HOME=str(data / "prefect"),
               PREFECT_RUNNER_POLL_FREQUENCY="2", QINGFENG_PAUSE_FILE=str(data / "pause_at"),
               QINGFENG_PAUSE_MARKER=str(data / "paused"))
    for key in ("PREFECT_API_URL", "QINGFENG_PAUSE_AT"):
        env.pop(key, None)
    logs = [data / "server.log", data / "serve.log"]
    server = start(["server", "--port", str(port)], env, logs[0])
    api = httpx.Client(base_url=f"http://127.0.0.1:{port}/api", timeout=30, transport=Retrying())
    procs = [server]
    try:
        wait_for(lambda: api.get("/health").status_code == 200, 120, "the Prefect server", logs)
        procs.append(start(["serve", "--port", str(port)], env, logs[1]))
        ids = wait_for(lambda: _deployment_ids(api), 120, "the deployments to be served", logs)
        yield {"api": api, "ids": ids, "data": data, "logs": logs, "port": port}
    finally:
        for p in reversed(procs):
            stop(p)
        api.close()


def _deployment_ids(api) -> dict | None:
    found = {d["name"]: d["id"] for d in api.post("/deployments/filter", json={}).json()}
    return found if {"nightly", "ad-hoc", "screen"} <= set(found) else None


def _finished(api, flow_run_id: str) -> dict | None:
    run = api.get(f"/flow_runs/{flow_run_id}").json()
    return run if run["state"]["type"] in TERMINAL else None


def test_the_server_listens_on_loopback_only(served):
    """Only 127.0.0.1: the server is not reachable on the machine's other addresses."""
    out = subprocess.run(["ss", "-ltn"], capture_output=True, text=True).stdout
    listening = [line.split()[3] for line in out.splitlines()[1:] if line.split()[3].endswith(f":{served['port']}")]
    assert listening == [f"127.0.0.1:{served['port']}"], listening


def test_the_nightly_deployment_is_scheduled_at_two_in_shanghai(served):
    nightly = served["api"].get(f"/deployments/{served['ids']['nightly']}").json()
    schedule = nightly["schedules"][0]["schedule"]
    assert schedule["cron"] == "0 2 * * *" and schedule["timezone"] == "Asia/Shanghai"


def test_an_analyst_starts_the_ad_hoc_deployment_with_parameters(served, tmp_path):
    """As the UI does: POST /deployments/{id}/create_flow_run with parameters, then follow the run."""
    api, out = served["api"], served["data"] / "adhoc"      # (a console run writes under the data folder)
    params = {"inbox": str(SAMPLE / "inbox"), "out": str(out), "as_of": AS_OF, "rules": ["R01", "R02"],
              "counties": ["330822 常山县"], "month_from": "2020-01", "month_to": "2020-09"}   # as the form offers it
    run = api.post(f"/deployments/{served['ids']['ad-hoc']}/create_flow_run", json={"parameters": params}).json()
    done = wait_for(lambda: _finished(api, run["id"]), 300, "the ad-hoc run", served["logs"])
    assert done["state"]["type"] == "COMPLETED", done["state"]
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert set(info["cases_per_rule"]) == {"R01", "R02"}
    assert info["parameters"]["counties"] == ["330822"] and info["parameters"]["month_to"] == "2020-09-01"
    cases = (out / "cases.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert cases and all(",R01," in c or ",R02," in c for c in cases)
    assert not [c for c in cases if "2020-10-01" in c.split(",")[10]], "a case beginning after --to was listed"
    artifacts = api.post("/artifacts/filter", json={"artifacts": {"key": {"any_": ["qingfeng-run-summary"]}}}).json()
    assert any(info["run_id"] in (a.get("data") or "") for a in artifacts)


def test_a_console_run_with_a_path_outside_the_roots_is_refused(served, tmp_path):
    """Anyone who can open the console must not make a run read or write any folder of the server: an inbox
    outside run_roots is refused with a sentence naming it, the run ends as Refused (not Failed), nothing is
    written there."""
    api = served["api"]
    params = {"inbox": str(tmp_path), "out": str(served["data"] / "never"), "as_of": AS_OF, "rules": ["R01"]}
    run = api.post(f"/deployments/{served['ids']['ad-hoc']}/create_flow_run", json={"parameters": params}).json()
    done = wait_for(lambda: _finished(api, run["id"]), 300, "the refused run", served["logs"])
    assert (done["state"]["type"], done["state"]["name"]) == ("CANCELLED", "Refused"), done["state"]
    assert f"收件目录“{tmp_path}”不在允许的目录之内" in done["state"]["message"]
    assert not (served["data"] / "never").exists()
    listed = json.loads(run_cli(["runs", "--json"], served["data"]).stdout)
    assert any(r["status"] == "refused" and r["parameters"]["inbox"] == str(tmp_path) for r in listed)


def _published(served) -> dict:
    """The run readers see in the served warehouse; one quick console run first if there is none yet."""
    wh = served["data"] / "warehouse.duckdb"
    if warehouse.published_run(wh) is None:
        api = served["api"]
        params = {"inbox": str(SAMPLE / "inbox"), "as_of": AS_OF, "rules": ["R01"]}
        run = api.post(f"/deployments/{served['ids']['ad-hoc']}/create_flow_run", json={"parameters": params}).json()
        done = wait_for(lambda: _finished(api, run["id"]), 300, "a first run", served["logs"])
        assert done["state"]["type"] == "COMPLETED", done["state"]
    return warehouse.published_run(wh)


def test_a_console_run_that_finds_the_warehouse_busy_is_refused(served):
    """A lock conflict from the console: the run ends as Refused (not Failed), its message one sentence naming
    the run that holds the warehouse, no traceback."""
    api, wh = served["api"], served["data"] / "warehouse.duckdb"
    params = {"inbox": str(SAMPLE / "inbox"), "as_of": AS_OF, "rules": ["R01"], "wait_s": 0}
    with warehouse.writer_lock(wh, {"run_id": "20210115-020000-beef", "started_at": "2021-01-15T02:00:00"}):
        run = api.post(f"/deployments/{served['ids']['ad-hoc']}/create_flow_run", json={"parameters": params}).json()
        done = wait_for(lambda: _finished(api, run["id"]), 300, "the run that finds the warehouse busy", served["logs"])
    assert (done["state"]["type"], done["state"]["name"]) == ("CANCELLED", "Refused"), done["state"]
    message = done["state"]["message"]
    assert "20210115-020000-beef" in message and "Traceback" not in message and message.count("\n") == 0, message
    listed = json.loads(run_cli(["runs", "--json"], served["data"]).stdout)
    assert any(r["status"] == "refused" and "20210115-020000-beef" in r["reason"] for r in listed)


def test_a_console_run_killed_mid_run_changes_nothing_readers_see(served):
    """A console run killed outright while running its rules (the flow run's process, SIGKILL): the server
    shows it Crashed, the published snapshot stays the previous run's, and a screening meanwhile and after says
    which run it used; `qingfeng runs` lists the killed run as 中断."""
    api, data = served["api"], served["data"]
    before = _published(served)
    pause, marker = data / "pause_at", data / "paused"
    marker.unlink(missing_ok=True)
    pause.write_text("rules", encoding="utf-8")
    try:
        params = {"inbox": str(SAMPLE / "inbox"), "as_of": AS_OF, "rules": ["R01", "R02"], "wait_s": 0}
        run = api.post(f"/deployments/{served['ids']['ad-hoc']}/create_flow_run", json={"parameters": params}).json()
        wait_for(marker.exists, 300, "the console run to reach its rules", served["logs"])
    finally:
        pause.unlink(missing_ok=True)
    screen_args = ["screen", str(SAMPLE / "inbox" / "人社_城乡居民养老金发放_2020.csv"), "--as-of", AS_OF]
    during = run_cli(screen_args, data, timeout=120)
    os.kill(int(marker.read_text(encoding="utf-8")), signal.SIGKILL)
    done = wait_for(lambda: _finished(api, run["id"]), 120, "the server to see the run crash", served["logs"])
    assert done["state"]["type"] == "CRASHED", done["state"]
    assert warehouse.published_run(data / "warehouse.duckdb") == before
    after = run_cli(screen_args, data, timeout=120)
    for proc in (during, after):
        assert proc.returncode == 1 and f"依据运行 {before['run_id']}" in proc.stdout, proc.stdout + proc.stderr[-2000:]
    listed = json.loads(run_cli(["runs", "--json"], data).stdout)
    killed = [r for r in listed if r["status"] == "interrupted" and r["parameters"].get("rules") == ["R01", "R02"]]
    assert killed, listed


def test_a_list_saved_in_the_console_is_screened_and_its_held_rows_posted(served):
    """Prefect's UI has no file upload: an analyst saves the list as a "清风拟发放名单" block (pasted from Excel,
    tab-separated) and chooses it in the screening form; the held rows are posted as the run's artifact."""
    api = served["api"]
    _published(served)
    with open(SAMPLE / "inbox" / "人社_城乡居民养老金发放_2020.csv", encoding="utf-8-sig", newline="") as f:
        pasted = "\n".join("\t".join(row) for row in csv.reader(f))
    block_type = api.get("/block_types/slug/qingfeng-screening-list").json()
    schema = api.post("/block_schemas/filter", json={
        "block_schemas": {"block_type_id": {"any_": [block_type["id"]]}}}).json()[0]
    doc = api.post("/block_documents/", json={"name": "pensions-2021-01", "block_type_id": block_type["id"],
                                              "block_schema_id": schema["id"], "data": {"content": pasted}}).json()
    params = {"as_of": AS_OF, "list_block": {"$ref": {"block_document_id": doc["id"]}}}
    run = api.post(f"/deployments/{served['ids']['screen']}/create_flow_run", json={"parameters": params}).json()
    done = wait_for(lambda: _finished(api, run["id"]), 300, "the screening", served["logs"])
    assert done["state"]["type"] == "COMPLETED", done["state"]
    artifacts = api.post("/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [run["id"]]}}}).json()
    held = [a for a in artifacts if a["key"] == "qingfeng-screening"]
    assert held and "应暂缓发放" in held[0]["description"] and "|" in held[0]["data"], artifacts


def test_missed_nightly_runs_catch_up_once(served):
    """Three nightly runs missed while `serve` was down start together; only the newest does the work."""
    api, nightly = served["api"], served["ids"]["nightly"]
    index = served["data"] / "runs" / "index.jsonl"
    before = len(index.read_text(encoding="utf-8").splitlines()) if index.exists() else 0
    now = dt.datetime.now(dt.UTC)
    created = []
    for days in (3, 2, 1):
        when = (now - dt.timedelta(days=days, minutes=5)).isoformat()
        created.append(api.post(f"/deployments/{nightly}/create_flow_run", json={
            "state": {"type": "SCHEDULED", "state_details": {"scheduled_time": when}}}).json())
    done = [wait_for(lambda r=r: _finished(api, r["id"]), 300, "the missed nightly runs", served["logs"])
            for r in created]
    assert [d["state"]["type"] for d in done] == ["COMPLETED"] * 3
    names = [d["state"]["name"] for d in done]
    assert names == ["Skipped", "Skipped", "Completed"], names
    assert all("跳过" in d["state"]["message"] for d in done[:2])
    new = list({r["run_id"]: r for r in map(json.loads, index.read_text(encoding="utf-8").splitlines()[before:])}
                .values())                                  # a run's last line: how it ended
    assert sorted(r["status"] for r in new) == ["completed", "skipped", "skipped"], "only one nightly run did the work"
    listed = json.loads(run_cli(["runs", "--json"], served["data"]).stdout)
    skipped = [r for r in listed if r["status"] == "skipped"]
    assert len(skipped) >= 2 and all("跳过" in r["reason"] and "inbox" in r["parameters"] for r in skipped), skipped


# ---- the schedule is ours ------------------------------------------------------------------------------

def test_a_nightly_missed_while_serve_was_stopped_runs_once_after_restart(tmp_path):
    """`serve` stopped the ordinary way (SIGTERM, as systemctl stop does) across the nightly's scheduled time,
    then started again: the missed nightly run is started once, and it completes."""
    from zoneinfo import ZoneInfo

    data, port = tmp_path / "data", free_port()
    env = dict(os.environ, QINGFENG_DATA=str(data), PREFECT_HOME=str(data / "prefect"),
               PREFECT_RUNNER_POLL_FREQUENCY="2")
    env.pop("PREFECT_API_URL", None)
    logs = [tmp_path / "server.log", tmp_path / "serve1.log", tmp_path / "serve2.log"]
    server = start(["server", "--port", str(port)], env, logs[0])
    api = httpx.Client(base_url=f"http://127.0.0.1:{port}/api", timeout=30, transport=Retrying())
    procs = [server]
    try:
        wait_for(lambda: api.get("/health").status_code == 200, 120, "the Prefect server", logs)
        # the nightly at the first whole minute (Asia/Shanghai) at least 40 s away: after serve is up and stopped
        at = (dt.datetime.now(ZoneInfo("Asia/Shanghai")) + dt.timedelta(seconds=100)).replace(second=0, microsecond=0)
        env["QINGFENG_NIGHTLY_CRON"] = f"{at.minute} {at.hour} * * *"
        serve = start(["serve", "--port", str(port)], env, logs[1])
        procs.append(serve)
        wait_for(lambda: _deployment_ids(api), 120, "the deployments to be served", logs)
        assert dt.datetime.now(ZoneInfo("Asia/Shanghai")) < at, "serve took too long to start for this test"
        stop(serve)                                         # SIGTERM, before the scheduled time
        nightly = _deployment_ids(api)["nightly"]
        assert not api.get(f"/deployments/{nightly}").json()["paused"], "a clean stop paused the schedule"
        while dt.datetime.now(ZoneInfo("Asia/Shanghai")) < at + dt.timedelta(seconds=5):
            time.sleep(1)                                   # the scheduled time passes while serve is down
        procs.append(start(["serve", "--port", str(port)], env, logs[2]))
        index = data / "runs" / "index.jsonl"

        def nightly_runs():
            lines = index.read_text(encoding="utf-8").splitlines() if index.exists() else []
            last = {r["run_id"]: r for r in map(json.loads, lines)}       # a run's last line: how it ended
            return [r for r in last.values() if r.get("deployment") == "nightly"]
        done = wait_for(lambda: [r for r in nightly_runs() if r["status"] == "completed"], 420,
                        "the missed nightly run", logs)
        time.sleep(8)
        assert len(done) == 1 and [r["status"] for r in nightly_runs()] == ["completed"], nightly_runs()
    finally:
        for p in reversed(procs):
            stop(p)
        api.close()


# ---- access -------------------------------------------------------------------------------------------

def test_the_server_refuses_another_address_without_authentication(tmp_path):
    proc = run_cli(["server", "--host", "0.0.0.0", "--port", str(free_port())], tmp_path / "data", timeout=60)
    assert proc.returncode == 2 and "PREFECT_SERVER_API_AUTH_STRING" in proc.stderr, proc.stderr[-2000:]


def test_a_server_with_basic_authentication_answers_only_with_it(tmp_path):
    """Prefect's basic authentication (server.api.auth_string), as the README tells an operator to set it for
    any binding but loopback: the API refuses a request without the credentials, and serves one with them."""
    port, log = free_port(), tmp_path / "server.log"
    env = dict(os.environ, QINGFENG_DATA=str(tmp_path / "data"), PREFECT_HOME=str(tmp_path / "prefect"),
               PREFECT_SERVER_API_AUTH_STRING="qingfeng:s3cret")
    env.pop("PREFECT_API_URL", None)
    server = start(["server", "--port", str(port)], env, log)
    base = f"http://127.0.0.1:{port}/api"
    try:
        wait_for(lambda: httpx.get(base + "/health", auth=("qingfeng", "s3cret")).status_code == 200, 120,
                 "the server", [log])
        assert httpx.post(base + "/deployments/filter", json={}).status_code == 401
        assert httpx.post(base + "/deployments/filter", json={}, auth=("qingfeng", "wrong")).status_code == 401
        assert httpx.post(base + "/deployments/filter", json={}, auth=("qingfeng", "s3cret")).status_code == 200
    finally:
        stop(server)


# ---- one writer at a time ------------------------------------------------------------------------------

def test_a_second_run_says_which_run_holds_the_warehouse(tmp_path):
    wh = tmp_path / "data" / "warehouse.duckdb"
    with warehouse.writer_lock(wh, {"run_id": "20210115-020000-beef", "started_at": "2021-01-15T02:00:00"}):
        proc = run_cli(["run", "--inbox", str(SAMPLE / "inbox"), "--as-of", AS_OF, "--wait", "1"], tmp_path / "data")
    assert proc.returncode == 3, proc.stderr[-2000:]
    assert "20210115-020000-beef" in proc.stderr and "已等待" in proc.stderr


def test_a_refused_run_says_one_sentence_and_is_listed_with_its_parameters(tmp_path):
    """A lock conflict: exit 3, the holder named, no traceback, no run folder; `qingfeng runs` lists the run
    as refused with its parameters and the reason."""
    data = tmp_path / "data"
    wh = data / "warehouse.duckdb"
    with warehouse.writer_lock(wh, {"run_id": "20210115-020000-beef", "started_at": "2021-01-15T02:00:00"}):
        proc = run_cli(["run", "--inbox", str(SAMPLE / "inbox"), "--as-of", AS_OF, "--rules", "R01", "--wait", "1"], data)
        assert proc.returncode == 3, proc.stderr[-2000:]
        assert "Traceback" not in proc.stderr and "20210115-020000-beef" in proc.stderr
        running = json.loads(run_cli(["runs", "--json"], data).stdout)
    assert not (data / "runs").exists() or [p.name for p in (data / "runs").iterdir()] == ["index.jsonl"]
    assert running[0]["run_id"] == "20210115-020000-beef" and running[0]["status"] == "running"
    refused = running[1]
    assert refused["status"] == "refused" and "20210115-020000-beef" in refused["reason"]
    assert refused["parameters"]["rules"] == ["R01"] and refused["parameters"]["as_of"] == AS_OF
    table = run_cli(["runs"], data).stdout
    assert "已拒绝" in table and "运行中" not in table


def test_a_run_that_fails_half_way_leaves_run_json_and_its_log(tmp_path):
    """A program error after loading: exit 5, and the run folder keeps run.json with the reason and run.log
    (not an empty folder); `qingfeng runs` lists it as failed with its parameters."""
    data, out = tmp_path / "data", tmp_path / "data" / "failed"
    proc = run_cli(["run", "--inbox", str(SAMPLE / "inbox"), "--out", str(out), "--as-of", AS_OF, "--rules", "R01"],
                   data, env={"QINGFENG_FAIL_AT": "load"})
    assert proc.returncode == 5, proc.stderr[-2000:]
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert info["status"] == "failed" and "test fault at load" in info["reason"]
    assert info["parameters"]["rules"] == ["R01"]
    assert "load_sources" in (out / "run.log").read_text(encoding="utf-8")
    listed = json.loads(run_cli(["runs", "--json"], data).stdout)
    assert listed[0]["status"] == "failed" and listed[0]["out"] == str(out)
    assert "失败" in run_cli(["runs"], data).stdout


def test_a_run_killed_outright_is_listed_as_interrupted(tmp_path):
    """SIGKILL leaves nothing of Python to record the end: the run's first line in the runs index (written when
    it started) makes `qingfeng runs` list it as 中断, with its parameters."""
    data, marker = tmp_path / "data", tmp_path / "paused"
    env = dict(os.environ, QINGFENG_DATA=str(data), QINGFENG_PAUSE_AT="load", QINGFENG_PAUSE_MARKER=str(marker))
    proc = subprocess.Popen([sys.executable, "-m", "flows.cli", "run", "--inbox", str(SAMPLE / "inbox"), "--as-of", AS_OF,
                             "--rules", "R02"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        wait_for(marker.exists, 240, "the run to reach loading")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    listed = json.loads(run_cli(["runs", "--json"], data).stdout)
    assert listed[0]["status"] == "interrupted" and listed[0]["parameters"]["rules"] == ["R02"], listed
    assert "中断" in run_cli(["runs"], data).stdout


def test_two_runs_on_one_warehouse_never_interleave(tmp_path):
    env = dict(os.environ, QINGFENG_DATA=str(tmp_path / "data"))
    inbox = tmp_path / "inbox"                      # two of the sample's files: the lock, not the loading, is tested
    inbox.mkdir()
    for name in ("卫健_死亡医学证明_2020.csv", "民政_火化信息_2020.csv"):
        shutil.copy(SAMPLE / "inbox" / name, inbox / name)
    procs = [subprocess.Popen([sys.executable, "-m", "flows.cli", "run", "--inbox", str(inbox),
                               "--out", str(tmp_path / name), "--as-of", AS_OF, "--rules", "R01"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for name in ("a", "b")]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-2000:] for o in outs]
    spans = sorted((json.loads((tmp_path / n / "run.json").read_text(encoding="utf-8"))["started_at"],
                    json.loads((tmp_path / n / "run.json").read_text(encoding="utf-8"))["finished_at"]) for n in "ab")
    assert spans[0][1] <= spans[1][0], f"the runs overlapped: {spans}"


def test_a_crashed_holder_does_not_block_the_next_run(tmp_path):
    wh = tmp_path / "warehouse.duckdb"
    code = (f"import os, signal, sys; sys.path.insert(0, {str(ROOT)!r}); from sources import warehouse as w\n"
            f"with w.writer_lock({str(wh)!r}, {{'run_id': 'doomed'}}):\n    os.kill(os.getpid(), signal.SIGKILL)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == -signal.SIGKILL
    with warehouse.writer_lock(wh, {"run_id": "next"}, wait_s=0):
        assert warehouse.lock_holder(wh)["run_id"] == "next"
