#!/usr/bin/env python3
"""Measures how long the first read of an inbox takes after a node restart (the inbox rebuild).

Two phases against a running node started with -Dagentbus.http.auth.enabled=false:

  fill   registers senders and recipients, sends messages round robin over keep-alive connections and
         (unless --no-ack) reads and acknowledges every one of them through the HTTP API;
  probe  (after the node was stopped and started again on the same data) times, for each recipient in
         turn, the first GET of its unread messages, which rebuilds the inbox from the ledger (until it
         answers 200: a 503 timeout, the bus not answering within its ask timeout, is asked again).

  python3 docs/tools/inbox_rebuild.py fill --messages 200000
  python3 docs/tools/inbox_rebuild.py probe

Standard library only. Prints one line per phase; the probe prints the node's very first read apart (it also pays for
warming up the node), then min, median and max of the others, in ms.
"""
import argparse
import http.client
import json
import queue
import statistics
import threading
import time

HASH = "cdd01ef066bc6cf2"
HEADERS = {"Content-Type": "application/json"}


def client(host, port):
    return http.client.HTTPConnection(host, port, timeout=60)


def call(conn, method, path, body=None):
    conn.request(method, path, body=None if body is None else json.dumps(body), headers=HEADERS)
    resp = conn.getresponse()
    data = resp.read()
    return resp.status, (json.loads(data) if data else None)


def parallel(args, items, work):
    """Runs work(conn, item) over the items on --connections threads; answers the failures."""
    q = queue.Queue()
    for item in items:
        q.put(item)
    failures = []

    def run():
        conn = client(args.host, args.port)
        while True:
            try:
                item = q.get_nowait()
            except queue.Empty:
                return
            status = work(conn, item)
            if status >= 300:
                failures.append((item, status))

    threads = [threading.Thread(target=run) for _ in range(args.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return failures


def recipients(args):
    return [f"{args.prefix}-r{i}" for i in range(args.recipients)]


def senders(args):
    return [f"{args.prefix}-s{i}" for i in range(args.senders)]


def fill(args):
    started = time.time()
    agents = senders(args) + recipients(args)
    failed = parallel(args, agents, lambda c, a: call(c, "POST", "/api/v1/agents/register", {
        "agentId": a, "name": a, "type": "worker", "capabilities": ["x"], "constitutionalHash": HASH})[0])
    if failed:
        raise SystemExit(f"registration failed: {failed[:3]}")
    s, r = senders(args), recipients(args)

    def send(conn, i):
        src = s[i % len(s)]
        return call(conn, "POST", f"/api/v1/agents/{src}/messages", {
            "type": "query", "sourceAgentId": src, "targetAgentId": r[i % len(r)],
            "payload": {"n": i}, "constitutionalHash": HASH})[0]

    failed = parallel(args, range(args.messages), send)
    sent_at = time.time()
    print(f"sent {args.messages - len(failed)} of {args.messages} in {sent_at - started:.1f} s", flush=True)
    if args.no_ack:
        return

    acked = [0]
    lock = threading.Lock()

    def ack_all(conn, agent):
        while True:
            status, page = call(conn, "GET", f"/api/v1/agents/{agent}/messages?unreadOnly=true&pageSize=500")
            if status != 200:
                return status
            items = page["data"]["data"]
            if not items:
                return 200
            for m in items:
                status, _ = call(conn, "POST", f"/api/v1/agents/{agent}/messages/{m['id']}/ack")
                if status != 200:
                    return status
            with lock:
                acked[0] += len(items)

    failed = parallel(args, r, ack_all)
    print(f"acknowledged {acked[0]} in {time.time() - sent_at:.1f} s; failures {failed[:3]}", flush=True)


def probe(args):
    conn = client(args.host, args.port)
    times = []
    unread = 0
    timeouts = 0
    for agent in recipients(args):
        t0 = time.perf_counter()
        while True:
            status, page = call(conn, "GET", f"/api/v1/agents/{agent}/messages?unreadOnly=true&pageSize=1")
            # 503 timeout: the bus did not answer within its ask timeout (the rebuild goes on); ask again
            if status == 503 and time.perf_counter() - t0 < 300:
                timeouts += 1
                continue
            break
        times.append((time.perf_counter() - t0) * 1000)
        if status != 200:
            raise SystemExit(f"read of {agent}: HTTP {status} {page}")
        unread += page["data"]["total"]
    t0 = time.perf_counter()
    call(conn, "GET", f"/api/v1/agents/{recipients(args)[0]}/messages?unreadOnly=true&pageSize=1")
    again = (time.perf_counter() - t0) * 1000
    if args.verbose:
        print("per inbox, ms: " + " ".join(f"{t:.0f}" for t in times), flush=True)
    rest = times[1:] or times
    print(f"first read of {len(times)} inboxes: the very first {times[0]:.0f} ms; the others min {min(rest):.0f} ms, "
          f"median {statistics.median(rest):.0f} ms, max {max(rest):.0f} ms; a second read {again:.1f} ms; "
          f"unread messages {unread}; 503 timeouts asked again {timeouts}", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("phase", choices=["fill", "probe"])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--prefix", default="rb")
    p.add_argument("--senders", type=int, default=20)
    p.add_argument("--recipients", type=int, default=20)
    p.add_argument("--messages", type=int, default=100000)
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--no-ack", action="store_true")
    p.add_argument("--verbose", action="store_true", help="probe: print every inbox's time")
    args = p.parse_args()
    fill(args) if args.phase == "fill" else probe(args)


if __name__ == "__main__":
    main()
