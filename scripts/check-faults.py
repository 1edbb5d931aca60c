#!/usr/bin/env python3
# Issue #17's "Done when", against the real demo jar (this script starts, kills and restarts it itself):
#  1. kill -9 of the demo right after acknowledged writes (consent flows created, started, submitted by
#     four writers at once), again and again, on H2 and on PostgreSQL: after each restart every
#     acknowledged write is there; with uploads (POST /resources/storage) and liveness attempts (frames
#     and a video) in the load, after each restart no file is visible that its session does not name
#     (no verdict in the journal: no bestframe/liveness_video by session, person or flow), every file a verdict
#     names downloads byte for byte, and every upload downloads whole or, if unacknowledged, not at all;
#  2. PostgreSQL stopped under the running demo: every request is answered within 2 s with the JSON 500
#     (/health 503 DOWN), background work logs one line down and one up, no stack trace; PostgreSQL
#     started again: requests are served within seconds, by the same demo process (no restart).
# Needs: the shaded jar (mvn -B -q package -pl demo-app -am -DskipTests), PostgreSQL's initdb/pg_ctl on
# the PATH (run as the 'postgres' user through runuser when this script runs as root).
#   python3 scripts/check-faults.py [--rounds 10] [--jar demo-app/target/idflow-demo.jar]
# Ports: the demo 18210, PostgreSQL 55421. Exit 0 when every check passes.
import argparse, json, os, random, shutil, signal, subprocess, sys, tempfile, threading, time, urllib.request, urllib.error, uuid

ap = argparse.ArgumentParser()
ap.add_argument("--rounds", type=int, default=10, help="kills per database")
ap.add_argument("--jar", default=os.path.join(os.path.dirname(__file__), "..", "demo-app", "target", "idflow-demo.jar"))
ap.add_argument("--port", type=int, default=18210)
ap.add_argument("--pg-port", type=int, default=55421)
args = ap.parse_args()
BASE = "http://127.0.0.1:%d" % args.port
KEY = "test-key-bank-0017-7a1c6e30589d4b2f11"
WORK = tempfile.mkdtemp(prefix="check-faults-")
failures = 0


def check(cond, what):
    global failures
    print(("PASS " if cond else "FAIL ") + what, flush=True)
    failures += 0 if cond else 1


def call(method, path, obj=None, key=KEY, timeout=10):
    h = {"Accept": "application/json"}
    if key:
        h.update({"X-Verigram-Api-Key": key, "X-Verigram-Api-Version": "2"})
    data = None
    if obj is not None:
        data = json.dumps(obj).encode(); h["Content-Type"] = "application/json"
    req = urllib.request.Request(BASE + path, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            b = r.read(); return r.status, (json.loads(b) if b[:1] in b"{[" else b)
    except urllib.error.HTTPError as e:
        b = e.read(); return e.code, (json.loads(b) if b[:1] in b"{[" else b)


# ---- the demo ------------------------------------------------------------------------------------
class Demo:
    def __init__(self, name, extra):
        self.log_path = os.path.join(WORK, name + ".log"); self.extra = extra; self.proc = None

    def start(self):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(["java", "-jar", args.jar, "--port", str(args.port), "--consumer", "bank:" + KEY,
                                      "--no-face-analysis", "--sweep-interval", "1s", "--rate-limit", "100000:100000"] + self.extra,
                                     stdout=log, stderr=subprocess.STDOUT)
        end = time.time() + 120
        while time.time() < end:
            if self.proc.poll() is not None:
                raise SystemExit("the demo exited at start: see " + self.log_path)
            try:
                if call("GET", "/health", key=None, timeout=3)[0] == 200:
                    return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.2)
        raise SystemExit("the demo did not come up: see " + self.log_path)

    def kill9(self):
        os.kill(self.proc.pid, signal.SIGKILL); self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate(); self.proc.wait(30)

    def log_size(self):
        return os.path.getsize(self.log_path)

    def log_since(self, offset):
        with open(self.log_path, "rb") as f:
            f.seek(offset); return f.read().decode("utf-8", "replace")


# ---- writers: consent flows, each acknowledged step recorded only once its answer arrived -----------
class Writers:
    def __init__(self):
        self.acked = {}  # flow_id -> "created" | "started" | "passed"
        self.lock = threading.Lock(); self.stop = threading.Event(); self.last_ack = 0.0; self.count = 0

    def ack(self, flow_id, what):
        with self.lock:
            self.acked[flow_id] = what; self.last_ack = time.monotonic(); self.count += 1

    def run(self, n):
        person = "fault-person-%06d" % random.randrange(10 ** 6)
        while not self.stop.is_set():
            try:
                st, f = call("POST", "/flow", {"person_id": person, "template": {"pipeline": [{"service_name": "consent"}]}})
                if st != 201:
                    continue
                self.ack(f["flow_id"], "created")
                vl = f["vlink"].rsplit("/", 1)[1]
                if call("POST", "/hf/%s/api/start" % vl, {}, key=None)[0] == 200:
                    self.ack(f["flow_id"], "started")
                st, r = call("POST", "/hf/%s/api/steps/step-1/submit" % vl, {"accepted": True}, key=None)
                if st == 200 and r.get("flow_status") == "pass":
                    self.ack(f["flow_id"], "passed")
            except (OSError, urllib.error.URLError, ValueError):
                return  # the demo is gone: what was not answered was never acknowledged

    def load(self, threads=4):
        ts = [threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(threads)]
        for t in ts:
            t.start()
        return ts


# ---- file writers: uploads and liveness attempts, each recorded as sent before and acked after its answer
JPEG_SOURCE = r"""
import java.awt.*; import java.awt.image.*; import javax.imageio.*; import java.io.*; import java.util.*;
public class Frames { public static void main(String[] a) throws Exception {
  Random r = new Random();
  for (int n = 0; n < Integer.parseInt(a[1]); n++) {
    BufferedImage i = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB); Graphics2D g = i.createGraphics();
    g.setColor(new Color(r.nextInt(0x1000000))); g.fillRect(0, 0, 320, 240);
    g.setColor(new Color(224, 172, 105)); g.fillOval(106, 40, 106, 160); g.dispose();
    ImageIO.write(i, "jpg", new File(a[0], "frame-" + n + ".jpg")); } } }
"""
FRAMES = []
WEBM_HEAD = bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0xf7, 0x81, 0x01, 0x42, 0xf2, 0x81, 0x04,
                   0x42, 0xf3, 0x81, 0x08, 0x42, 0x82, 0x84]) + b"webm"


def make_frames(n=64):
    d = os.path.join(WORK, "frames"); os.makedirs(d, exist_ok=True)
    src = os.path.join(d, "Frames.java")
    with open(src, "w") as f:
        f.write(JPEG_SOURCE)
    subprocess.run(["java", src, d, str(n)], check=True)
    for i in range(n):
        with open(os.path.join(d, "frame-%d.jpg" % i), "rb") as f:
            FRAMES.append(f.read())


def multipart(parts):
    boundary = "fault-" + uuid.uuid4().hex; out = b""
    for name, filename, ctype, content in parts:
        disp = 'form-data; name="%s"' % name + ('; filename="%s"' % filename if filename else "")
        out += b"--" + boundary.encode() + b"\r\nContent-Disposition: " + disp.encode() + b"\r\n"
        if ctype:
            out += b"Content-Type: " + ctype.encode() + b"\r\n"
        out += b"\r\n" + (content if isinstance(content, bytes) else content.encode()) + b"\r\n"
    return out + b"--" + boundary.encode() + b"--\r\n", "multipart/form-data; boundary=" + boundary


def send(method, path, body, ctype, headers, timeout=20):
    h = dict(headers); h["Content-Type"] = ctype
    req = urllib.request.Request(BASE + path, data=body, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def download(query):
    req = urllib.request.Request(BASE + "/resources/file?" + query, headers={"X-Verigram-Api-Key": KEY, "X-Verigram-Api-Version": "2"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class FileWriters:
    def __init__(self):
        self.uploads = {}; self.uploads_acked = set()  # person -> bytes
        self.attempts = {}; self.attempts_acked = set()  # session -> (person, best frame, video)
        self.refused = []; self.stop = threading.Event(); self.lock = threading.Lock()

    def upload(self):
        person = "fault-up-" + uuid.uuid4().hex
        text = ("upload for %s\n" % person + " ".join("%x" % random.getrandbits(64) for _ in range(random.randrange(1, 15000)))).encode()
        body, ctype = multipart([("label", None, None, "faultup"), ("person_id", None, None, person),
                                 ("upload_file", "upload.txt", "text/plain", text)])
        with self.lock:
            self.uploads[person] = text
        st, b = send("POST", "/resources/storage", body, ctype, {"X-Verigram-Api-Key": KEY, "X-Verigram-Api-Version": "2"})
        with self.lock:
            (self.uploads_acked.add(person) if st // 100 == 2 else self.refused.append("upload %d %s" % (st, b[:200])))

    def attempt(self):
        person = "fault-live-" + uuid.uuid4().hex
        if random.random() < 0.5 and call("POST", "/mockery/result", {"person_id": person, "result": {
                "service_name": "verilive", "service_status": "real"}})[0] != 200:
            return
        st, s = call("POST", "/liveness2/session", {"person_id": person})
        if st != 201:
            return
        now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        frames = random.sample(FRAMES, random.randint(1, 3))
        video = WEBM_HEAD + os.urandom(random.randrange(1, 64 * 1024))
        meta = {"platform": "web", "started_at": now, "ended_at": now, "actions": [], "frames": [{"taken_at": now} for _ in frames]}
        parts = [("metadata", None, None, json.dumps(meta))] + [("frame", "f%d.jpg" % i, "image/jpeg", f) for i, f in enumerate(frames)]
        body, ctype = multipart(parts + [("video", "a.webm", "video/webm", video)])
        with self.lock:
            self.attempts[s["session_id"]] = (person, frames[0], video)
        st, b = send("POST", "/liveness2/client/attempts", body, ctype, {"Authorization": "Bearer " + s["access_token"]})
        with self.lock:
            (self.attempts_acked.add(s["session_id"]) if st == 200 else self.refused.append("attempt %d %s" % (st, b[:200])))

    def run(self):
        while not self.stop.is_set():
            try:
                self.upload() if random.random() < 0.5 else self.attempt()
            except (OSError, urllib.error.URLError, ValueError):
                return  # the demo is gone

    def load(self, threads=2):
        ts = [threading.Thread(target=self.run, daemon=True) for _ in range(threads)]
        for t in ts:
            t.start()
        return ts


def verify_files(fw):
    bad = []; n = {"downloads": 0, "visible": 0, "absent": 0, "verdict": 0, "no_verdict": 0}
    for person, text in list(fw.uploads.items()):
        st, b = download("label=faultup&person_id=" + person); n["downloads"] += 1
        acked = person in fw.uploads_acked
        if st == 200:
            n["visible"] += 1
            if b != text:
                bad.append("upload %s: %d bytes downloaded, not the %d uploaded" % (person, len(b), len(text)))
        else:
            n["absent"] += 1
            if acked or st not in (404, 422):
                bad.append("upload %s%s: download %d" % (person, " (acknowledged)" if acked else "", st))
    for session, (person, best, video) in list(fw.attempts.items()):
        st, j = call("GET", "/journal/session/" + session)
        if st != 200:
            bad.append("session %s: journal %d" % (session, st)); continue
        verdict = j.get("result") is not None
        n["verdict" if verdict else "no_verdict"] += 1
        if session in fw.attempts_acked and not verdict:
            bad.append("acknowledged attempt of %s: no verdict" % session)
        for label, want in (("bestframe", best), ("liveness_video", video)):
            for by in ("session_id=" + session, "person_id=" + person, "flow_id=" + j.get("flow_id", "")):
                st, b = download("label=%s&%s" % (label, by)); n["downloads"] += 1
                if verdict and (st != 200 or b != want):
                    bad.append("%s names its %s (a verdict) but %s gives %d" % (session, label, by, st))
                if not verdict and st != 404:
                    bad.append("%s has no verdict, yet %s by %s answers %d" % (session, label, by, st))
    return bad, n


def verify(acked):
    missing = []
    for flow_id, what in acked.items():
        st, f = call("GET", "/flow/" + flow_id)
        if st != 200:
            missing.append((flow_id, what, "GET %d" % st)); continue
        if what in ("started", "passed") and not f.get("started_at"):
            missing.append((flow_id, what, "not started"))
        if what == "passed" and f.get("flow_status") != "pass":
            missing.append((flow_id, what, "flow_status %s" % f.get("flow_status")))
    return missing


def kill_rounds(name, demo):
    all_acked = {}; gaps = []; total = 0; files = FileWriters(); counts = {}
    demo.start()
    for i in range(args.rounds):
        w = Writers(); threads = w.load(); fw = FileWriters(); threads += fw.load()
        end = time.monotonic() + 30
        while time.monotonic() < end and not ("passed" in w.acked.values() and fw.uploads_acked and fw.attempts_acked):
            time.sleep(0.01)  # a fresh JVM answers its first requests slowly: wait for a whole flow, an upload, an attempt
        time.sleep(random.uniform(0.1, 1.5))  # then a random point under load
        demo.kill9(); killed = time.monotonic(); w.stop.set(); fw.stop.set()
        for t in threads:
            t.join(15)
        gaps.append((killed - w.last_ack) * 1000); total += w.count
        all_acked.update(w.acked)
        for attr in ("uploads", "attempts"):
            getattr(files, attr).update(getattr(fw, attr))
        files.uploads_acked |= fw.uploads_acked; files.attempts_acked |= fw.attempts_acked; files.refused += fw.refused
        demo.start()
        missing = verify(all_acked)
        if missing:
            check(False, "%s round %d: acknowledged writes lost after kill -9: %s" % (name, i + 1, missing[:5]))
        bad, counts = verify_files(files)
        if bad:
            check(False, "%s round %d: files after kill -9: %s" % (name, i + 1, bad[:5]))
    passed = sum(1 for v in all_acked.values() if v == "passed")
    check(len(all_acked) > 0 and not [m for m in verify(all_acked)],
          "%s: %d kill -9 under load, %d acknowledged writes on %d flows (%d submitted), every one found after each "
          "restart (kill %.0f ms after the last answer at the closest, median %.0f ms)" % (
              name, args.rounds, total, len(all_acked), passed, min(gaps), sorted(gaps)[len(gaps) // 2]))
    bad, counts = verify_files(files)
    check(not bad and files.uploads_acked and files.attempts_acked and all(" 429 " in r for r in files.refused),
          "%s files: %d uploads sent (%d acknowledged; %d download whole, %d not found), %d attempts sent (%d acknowledged; "
          "%d sessions with a verdict, best frame and video downloadable by session, person and flow; %d without, none visible); "
          "%d downloads checked after the last restart; refused: %s" % (
              name, len(files.uploads), len(files.uploads_acked), counts["visible"], counts["absent"], len(files.attempts),
              len(files.attempts_acked), counts["verdict"], counts["no_verdict"], counts["downloads"], files.refused[:3] or "none"))
    return all_acked


# ---- PostgreSQL -----------------------------------------------------------------------------------
PGDATA = os.path.join(WORK, "pg")


def as_postgres(cmd):
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def pg(action):
    opts = "-p %d -k %s -c listen_addresses=127.0.0.1" % (args.pg_port, WORK)
    r = as_postgres(["pg_ctl", "-D", PGDATA, "-o", opts, "-l", os.path.join(WORK, "pg.log"), "-w", "-m", "fast", action])
    if r.returncode != 0:
        raise SystemExit("pg_ctl %s failed: %s" % (action, r.stdout))


def pg_init():
    os.makedirs(PGDATA)
    if os.geteuid() == 0:
        shutil.chown(WORK, "postgres"); shutil.chown(PGDATA, "postgres")
    r = as_postgres(["initdb", "-D", PGDATA, "-U", "postgres", "--auth=trust"])
    if r.returncode != 0:
        raise SystemExit("initdb failed: " + r.stdout)
    pg("start")


def outage(demo):
    st, f = call("POST", "/flow", {"person_id": "outage-person-1", "template": {"pipeline": [{"service_name": "consent"}]}})
    check(st == 201, "before the outage: POST /flow 201")
    flow_id = f["flow_id"]; pid = demo.proc.pid
    time.sleep(1.5)  # let a background run or two pass
    offset = demo.log_size()
    pg("stop"); stopped = time.monotonic()
    results = []; lock = threading.Lock(); done = threading.Event()

    def hammer(kind):
        while not done.is_set():
            t = time.monotonic()
            try:
                if kind == 0:
                    st, b = call("POST", "/flow", {"person_id": "outage-person-2", "template": {"pipeline": [{"service_name": "consent"}]}})
                elif kind == 1:
                    st, b = call("GET", "/flow/" + flow_id)
                else:
                    st, b = call("GET", "/health", key=None)
            except Exception as e:  # noqa: a timeout or reset is a failed check, not a crash of the script
                st, b = -1, repr(e)
            with lock:
                results.append((kind, st, b, time.monotonic() - t))
    ts = [threading.Thread(target=hammer, args=(k % 3,), daemon=True) for k in range(6)]
    for t in ts:
        t.start()
    time.sleep(8)
    done.set()
    for t in ts:
        t.join(15)
    api = [r for r in results if r[0] != 2]; health = [r for r in results if r[0] == 2]
    slowest = max(r[3] for r in results)
    kinds = ("POST /flow", "GET /flow/{id}", "GET /health")
    for kind, st, b, d in sorted(results, key=lambda r: -r[3])[:3]:
        print("     slowest: %s %s %.3f s" % (kinds[kind], st, d))
    check(all(r[1] == 500 and isinstance(r[2], dict) and r[2].get("error_code") == "INTERNAL_ERROR" for r in api),
          "database down: %d API requests, every one the JSON 500 INTERNAL_ERROR (%s)" % (
              len(api), sorted(set(r[1] for r in api))))
    check(slowest <= 2.0, "database down: every answer within 2 s (slowest %.2f s, median %.3f s)" % (
        slowest, sorted(r[3] for r in results)[len(results) // 2]))
    check(health and all(r[1] == 503 and r[2].get("status") == "DOWN" for r in health),
          "database down: /health 503 DOWN (%d checks)" % len(health))
    pg("start"); restarted = time.monotonic()
    served = None
    while time.monotonic() - restarted < 30:
        st, _ = call("POST", "/flow", {"person_id": "outage-person-3", "template": {"pipeline": [{"service_name": "consent"}]}})
        if st == 201:
            served = time.monotonic() - restarted; break
        time.sleep(0.1)
    check(served is not None and served < 10, "database back: POST /flow 201 again %.2f s after PostgreSQL started" % (served or -1))
    check(call("GET", "/flow/" + flow_id)[0] == 200, "database back: the flow from before the outage reads 200")
    end = time.time() + 15
    while time.time() < end and call("GET", "/health", key=None)[0] != 200:
        time.sleep(0.2)
    check(call("GET", "/health", key=None)[0] == 200, "database back: /health 200 UP")
    check(demo.proc.poll() is None and demo.proc.pid == pid, "the same demo process throughout (pid %d, no restart)" % pid)
    end = time.time() + 15  # a background run after the return (it retries every 5 s at most)
    while time.time() < end and "background work: storage available again" not in demo.log_since(offset):
        time.sleep(0.2)
    log = demo.log_since(offset)
    down_lines = log.count("background work: storage unavailable"); up_lines = log.count("background work: storage available again")
    check(down_lines == 1 and up_lines == 1, "background work: one log line when the database went, one when it came back "
          "(%d and %d)" % (down_lines, up_lines))
    # idflow's own lines carry no stack trace; HikariCP logs one per pooled connection the outage broke
    # (at most the pool's size), which is the pool's, not a storm
    traced = {}; logger = None
    for line in log.splitlines():
        if line[:4].isdigit() and " " in line:
            parts = line.split(" ", 3); logger = parts[2] if len(parts) > 2 else None
        elif line.startswith("\tat ") and logger:
            traced[logger] = traced.get(logger, 0) + 1
    ours = {k: v for k, v in traced.items() if k not in ("ProxyConnection", "PoolBase", "HikariPool")}
    check(not ours, "no stack trace from idflow in the log during the outage (%s; the pool's own: %s; %d log lines "
          "for %d requests)" % (ours or "none", traced, len(log.splitlines()), len(results)))
    print("     outage: %.1f s down, %d requests" % (restarted - stopped, len(results)))


def main():
    if not os.path.exists(args.jar):
        raise SystemExit("no demo jar at %s: mvn -B -q package -pl demo-app -am -DskipTests" % args.jar)
    print("work directory:", WORK)
    make_frames()
    demo = Demo("h2", ["--storage", "h2", "--data-dir", os.path.join(WORK, "h2-data")])
    try:
        kill_rounds("H2", demo)
    finally:
        demo.stop()
    pg_init()
    url = "jdbc:postgresql://127.0.0.1:%d/postgres" % args.pg_port
    demo = Demo("postgres", ["--storage", "postgres", "--jdbc-url", url, "--jdbc-user", "postgres", "--jdbc-password", "postgres",
                             "--data-dir", os.path.join(WORK, "pg-demo-data")])
    try:
        kill_rounds("PostgreSQL", demo)
        outage(demo)
    finally:
        demo.stop()
        try:
            pg("stop")
        except SystemExit:
            pass
    print("%d check(s) failed" % failures if failures else "every check passed")
    if not failures:
        shutil.rmtree(WORK, ignore_errors=True)
    sys.exit(1 if failures else 0)


main()
