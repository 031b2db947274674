#!/usr/bin/env python3
"""Reads a node's /metrics the way monitoring does, for the tests (Tests/capsyncTests/MetricsEndpointTests).

  metrics_probe.py parse URL          fetch URL, parse it with prometheus_client's text parser, print
                                      {"types": {family: type}, "samples": {"name{k=v,...}": value}} as JSON
  metrics_probe.py prometheus HOST:PORT
                                      start a real Prometheus server (a throwaway data dir, loopback, a free port)
                                      scraping HOST:PORT every second; wait (at most 60 s) until its query API
                                      answers up == 1 and a capsync metric; print them as JSON; stop it.
                                      Exit 77 with a message when the prometheus binary is absent.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request


def sample_key(name, labels):
    if not labels:
        return name
    return name + "{" + ",".join(f"{k}={labels[k]}" for k in sorted(labels)) + "}"


def parse(url):
    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(url, timeout=10) as response:
        content_type = response.headers.get("Content-Type", "")
        text = response.read().decode("utf-8")
    types, samples = {}, {}
    for family in text_string_to_metric_families(text):
        types[family.name] = family.type
        for sample in family.samples:
            samples[sample_key(sample.name, sample.labels)] = sample.value
    print(json.dumps({"content_type": content_type, "types": types, "samples": samples}, sort_keys=True))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def query(port, expression):
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": expression})
    with urllib.request.urlopen(url, timeout=5) as response:
        answer = json.load(response)
    return answer.get("data", {}).get("result", [])


def prometheus(target):
    binary = shutil.which("prometheus")
    if binary is None:
        print("prometheus is not installed (Debian package 'prometheus'); the real-server check is skipped")
        sys.exit(77)
    work = tempfile.mkdtemp(prefix="capsync-prometheus-")
    config = os.path.join(work, "prometheus.yml")
    with open(config, "w") as f:
        f.write(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            "scrape_configs:\n  - job_name: capsync\n    static_configs:\n"
            f"      - targets: ['{target}']\n"
        )
    port = free_port()
    log = open(os.path.join(work, "prometheus.log"), "w")
    process = subprocess.Popen(
        [binary, f"--config.file={config}", f"--storage.tsdb.path={work}/data",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )
    result = None
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                up = query(port, 'up{job="capsync"}')
                entries = query(port, "capsync_store_entries")
                sessions = query(port, "capsync_sessions_total")
                if up and up[0]["value"][1] == "1" and entries:
                    result = {
                        "up": float(up[0]["value"][1]),
                        "capsync_store_entries": float(entries[0]["value"][1]),
                        "capsync_sessions_total": {s["metric"].get("result", ""): float(s["value"][1]) for s in sessions},
                    }
                    break
            except OSError:
                pass  # not listening yet
            time.sleep(0.5)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
    if result is None:
        with open(os.path.join(work, "prometheus.log")) as f:
            print("Prometheus never scraped the node within 60 s; its log:\n" + f.read()[-3000:], file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)
        sys.exit(1)
    shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("parse", "prometheus"):
        print(__doc__, file=sys.stderr)
        sys.exit(64)
    (parse if sys.argv[1] == "parse" else prometheus)(sys.argv[2])
