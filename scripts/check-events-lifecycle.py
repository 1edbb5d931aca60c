#!/usr/bin/env python3
# Issue #13 against a running demo: signed webhooks to a receiver of this script's own (each event once, again
# after the receiver was down), Idempotency-Key replays, erasure of a person (nothing left in the API nor in
# the database file), and the counters at /metrics.
# Start the demo first (the receiver listens on 127.0.0.1:8399; the demo's data in /tmp/demo13):
#   java -jar demo-app/target/idflow-demo.jar --port 8391 --data-dir /tmp/demo13 \
#     --consumer bank:test-key-bank-0013-7a1c6e30589d4b2f11 \
#     --webhook bank:http://127.0.0.1:8399/hook:whsec-check-0013-5e2a9c7f
# then: python3 scripts/check-events-lifecycle.py     (exit 0 when every check passes)
import json, time, hmac, hashlib, urllib.request, uuid, threading, os, sys, glob
from http.server import HTTPServer, BaseHTTPRequestHandler
BASE = os.environ.get("DEMO", "http://localhost:8391"); DATA = os.environ.get("DEMO_DATA", "/tmp/demo13")
KEY = "test-key-bank-0013-7a1c6e30589d4b2f11"; SECRET = "whsec-check-0013-5e2a9c7f"
received = []; down = {"on": False}
class Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if down["on"]:
            self.send_response(503); self.end_headers(); return
        received.append((dict(self.headers), body)); self.send_response(204); self.end_headers()
    def log_message(self, *a): pass
server = HTTPServer(("127.0.0.1", 8399), Hook); threading.Thread(target=server.serve_forever, daemon=True).start()
failures = 0
def check(cond, what):
    global failures
    print(("PASS " if cond else "FAIL ") + what); failures += 0 if cond else 1
def call(method, path, obj=None, headers=None, key=KEY):
    h = {"Accept": "application/json", "X-Verigram-Api-Key": key, "X-Verigram-Api-Version": "2"} if key else {"Accept": "application/json"}
    if headers: h.update(headers)
    data = None
    if obj is not None: data = json.dumps(obj).encode(); h["Content-Type"] = "application/json"
    req = urllib.request.Request(BASE + path, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req) as r: b = r.read(); return r.status, (json.loads(b) if b and b[:1] in b"{[" else b), dict(r.headers)
    except urllib.error.HTTPError as e:
        b = e.read(); return e.code, (json.loads(b) if b[:1] in b"{[" else b), dict(e.headers)
def consent_flow(person):
    st, f, _ = call("POST", "/flow", {"person_id": person, "template": {"pipeline": [{"service_name": "consent"}]}})
    vl = f["vlink"].rsplit("/", 1)[1]
    call("POST", "/hf/%s/api/start" % vl, {}, key=None); call("POST", "/hf/%s/api/steps/step-1/submit" % vl, {"accepted": True}, key=None)
    return f["flow_id"]
def wait_for(n, seconds=40):
    end = time.time() + seconds
    while time.time() < end and len(received) < n: time.sleep(0.5)
    return len(received)
def verified(headers, body):
    sig = headers.get("X-Idflow-Signature", ""); t = sig[2:sig.index(",")]; v1 = sig[sig.index("v1=") + 3:]
    return hmac.compare_digest(v1, hmac.new(SECRET.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest())
# 1. webhooks: two sandbox flows → 3 events each, each once, signed
person = "erase-me-" + uuid.uuid4().hex[:8]
f1 = consent_flow(person); f2 = consent_flow(person)
wait_for(6); time.sleep(3)
ids = [json.loads(b)["event_id"] for h, b in received]
check(len(received) == 6 and len(set(ids)) == 6, "6 events delivered, each once (%d received)" % len(received))
check(all(verified(h, b) for h, b in received), "every signature verifies: HMAC-SHA256(secret, t + '.' + body)")
check(all(h.get("X-Idflow-Event-Id") == json.loads(b)["event_id"] for h, b in received), "X-Idflow-Event-Id names the event")
# 2. the receiver down, then back: the events come again later
down["on"] = True; before = len(received)
f3 = consent_flow("someone-" + uuid.uuid4().hex[:6]); time.sleep(5)
check(len(received) == before, "while the receiver answers 503 nothing is counted delivered")
down["on"] = False
n = wait_for(before + 3, 60)
check(n == before + 3, "after the receiver came back, its 3 events arrived (%d)" % (n - before))
# 3. Idempotency-Key
body = {"person_id": person, "template": {"pipeline": [{"service_name": "consent"}]}}
idem = {"Idempotency-Key": "order-" + uuid.uuid4().hex}
s1, a, h1 = call("POST", "/flow", body, idem); s2, b, h2 = call("POST", "/flow", body, idem)
check(s1 == 201 and s2 == 201 and a == b and h2.get("Idempotent-Replayed") == "true", "the same key and body: the first answer again (%s)" % a.get("flow_id"))
s3, c, _ = call("POST", "/flow", dict(body, person_id=person + "-other"), idem)
check(s3 == 422 and "Idempotency-Key" in c.get("error_msg", ""), "the same key with another body: 422 naming the header")
# 4. erasure
st, _, _ = call("DELETE", "/persons/" + person)
check(st == 204, "DELETE /persons/{id} → 204")
st, _, _ = call("DELETE", "/persons/" + person)
check(st == 204, "again → 204 (idempotent)")
for fid in (f1, f2, a["flow_id"]):
    st, _, _ = call("GET", "/flow/" + fid); check(st == 404, "flow %s → 404 after the erasure" % fid)
st, _, _ = call("GET", "/resources/file?label=bestframe&person_id=" + person); check(st == 404, "person's files → 404")
time.sleep(2)
hits = [p for p in glob.glob(os.path.join(DATA, "**", "*"), recursive=True)
        if os.path.isfile(p) and person.encode() in open(p, "rb").read()]
check(not hits, "the person_id is nowhere in the data directory's files %s" % hits)
# 5. /metrics and /health
st, m, _ = call("GET", "/metrics", key=None)
text = m.decode() if isinstance(m, bytes) else str(m)
check(st == 200 and "idflow_flow_creations_total" in text and "idflow_webhook_deliveries_total" in text,
      "/metrics has the flow and webhook counters")
for line in text.splitlines():
    if line.startswith(("idflow_flow_creations_total", "idflow_flow_endings_total", "idflow_webhook_deliveries_total", "idflow_webhook_backlog")):
        print("     " + line)
st, hjson, _ = call("GET", "/health", key=None)
check(st == 200 and hjson.get("status") == "UP", "/health UP %s" % hjson)
print("all checks passed" if failures == 0 else "%d check(s) failed" % failures)
server.shutdown(); sys.exit(1 if failures else 0)
