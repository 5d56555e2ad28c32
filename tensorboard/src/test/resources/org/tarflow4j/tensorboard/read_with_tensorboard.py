"""Serve a log directory with the real `tensorboard` command and report what its dashboards' HTTP routes return.

Usage: python read_with_tensorboard.py LOGDIR LOAD_FAST   (LOAD_FAST: "true" = the Rust data server, "false" = the
Python loader). Prints one tab-separated line per item; text fields are percent-encoded. Used by
TensorBoardReadsEventsTest; it starts TensorBoard on 127.0.0.1 only and stops it before exiting.
"""

import json
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request

logdir, load_fast = sys.argv[1], sys.argv[2]
expected_runs = set(sys.argv[3].split(","))
expected_scalars = int(sys.argv[4])


def q(text):
    return urllib.parse.quote(str(text), safe="")


proc = subprocess.Popen(
    [sys.executable, "-m", "tensorboard.main", "--logdir", logdir, "--host", "127.0.0.1", "--port", "0",
     "--load_fast", load_fast, "--reload_interval", "1"],
    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
try:
    base = None
    log = []
    deadline = time.time() + 120
    while base is None and time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        log.append(line)
        m = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
        if m:
            base = m.group(1)
    if base is None:
        print("error\tTensorBoard did not start: " + q("".join(log)))
        sys.exit(2)

    def get(path, body=None):
        request = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode())
        if body is not None:
            request.add_header("Content-Type", "application/json")
            request.add_header("X-XSRF-Protected", "1")
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read().decode())

    # Wait until every run is loaded with all its scalars (the data is read in the background).
    while time.time() < deadline:
        tags = get("data/plugin/scalars/tags")
        loaded = 0
        for run, run_tags in tags.items():
            for tag in run_tags:
                loaded += len(get("data/plugin/scalars/scalars?" + urllib.parse.urlencode({"run": run, "tag": tag})))
        if expected_runs <= set(get("data/runs")) and loaded >= expected_scalars:
            break
        time.sleep(0.5)

    listing = get("data/plugins_listing")
    for name in ("scalars", "histograms", "text", "hparams"):
        print("plugin\t%s\t%s" % (name, listing.get(name, {}).get("enabled", False)))
    for run in sorted(get("data/runs")):
        print("run\t" + q(run))
    for run, run_tags in sorted(get("data/plugin/scalars/tags").items()):
        for tag in sorted(run_tags):
            for wall_time, step, value in get(
                    "data/plugin/scalars/scalars?" + urllib.parse.urlencode({"run": run, "tag": tag})):
                print("scalar\t%s\t%s\t%d\t%r\t%r" % (q(run), q(tag), step, value, wall_time))
    for run, run_tags in sorted(get("data/plugin/text/tags").items()):
        for tag in sorted(run_tags):
            for item in get("data/plugin/text/text?" + urllib.parse.urlencode({"run": run, "tag": tag})):
                print("text\t%s\t%s\t%d\t%s" % (q(run), q(tag), item["step"], q(item["text"])))
    for run, run_tags in sorted(get("data/plugin/histograms/tags").items()):
        for tag in sorted(run_tags):
            for wall_time, step, buckets in get(
                    "data/plugin/histograms/histograms?" + urllib.parse.urlencode({"run": run, "tag": tag})):
                count = sum(b[2] for b in buckets)
                print("histogram\t%s\t%s\t%d\t%r\t%r\t%r" % (q(run), q(tag), step, count, buckets[0][0], buckets[-1][1]))

    experiment = get("data/plugin/hparams/experiment", {"experimentName": ""})
    for info in experiment.get("hparamInfos", []):
        domain = ",".join(q(json.dumps(v)) for v in info.get("domainDiscrete", []))
        print("hparam\t%s\t%s\t%s" % (q(info["name"]), info.get("type", ""), domain))
    for info in experiment.get("metricInfos", []):
        print("metric\t%s\t%s" % (q(info["name"].get("tag", "")), q(info["name"].get("group", ""))))
    col_params = [{"hparam": info["name"]} for info in experiment.get("hparamInfos", [])]
    col_params += [{"metric": info["name"]} for info in experiment.get("metricInfos", [])]
    groups = get("data/plugin/hparams/session_groups", {
        "experimentName": "",
        "allowedStatuses": ["STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING"],
        "colParams": col_params,
        "startIndex": 0,
        "sliceSize": 100,
    })
    for group in groups.get("sessionGroups", []):
        hparams = ";".join("%s=%s" % (q(k), q(json.dumps(v))) for k, v in sorted(group.get("hparams", {}).items()))
        metrics = ";".join("%s=%r" % (q(m["name"]["tag"]), m["value"]) for m in group.get("metricValues", []))
        for session in group.get("sessions", []):
            print("session\t%s\t%s\t%s\t%s\t%s" % (
                q(group["name"]), q(session["name"]), session.get("status", ""), hparams, metrics))
    print("done")
finally:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
