#!/usr/bin/env python3
# Live (no mockery) liveness attempts built from real face pictures, against a running demo with its face
# analysis on (issue #10): no face, two faces in a frame, a still photo for a zoom, a real zoom, two people
# across frames; each verdict read back through /journal/session/{id}; then veriface, the same person and
# another. Needs Debian's facedetect and opencv-doc (the pictures) and ImageMagick's convert (the crops).
# Start the demo first:
#   java -jar demo-app/target/idflow-demo.jar --port 8391 --data-dir /tmp/demo-data \
#     --consumer lender:live-key-lender-0001-3c7e9a1f5b2d8046:live-secret-lender-0001-9d4b2f7a1c6e3058
# then: python3 scripts/check-face-analysis.py        (exit 0 when every check passes)
import json, time, hmac, hashlib, urllib.request, uuid, subprocess, os, sys, tempfile
BASE = os.environ.get("DEMO", "http://localhost:8391")
KEY = "live-key-lender-0001-3c7e9a1f5b2d8046"; SECRET = "live-secret-lender-0001-9d4b2f7a1c6e3058"
GRACE = "/usr/share/doc/facedetect/examples/grace_hopper_512x512.jpg"
ICE = "/usr/share/doc/facedetect/examples/640px-IceBlockNearJoekullsarlon.jpg"
FOUR = "/usr/share/doc/opencv-doc/opencv4/html/facereg.jpg"
JULIA = "/usr/share/doc/opencv-doc/opencv4/html/julia_facedetect_sample.jpg"
tmp = tempfile.mkdtemp()
failures = 0
def check(cond, what):
    global failures
    print(("PASS " if cond else "FAIL ") + what); failures += 0 if cond else 1
def call(method, path, body=None, ctype=None, bearer=None):
    h = {"Accept": "application/json"}
    if bearer:
        h["Authorization"] = "Bearer " + bearer
    else:
        time.sleep(1.05)  # a signed request is served once: one (ts, path) per second
        ts = str(int(time.time()))
        h.update({"X-Verigram-Api-Key": KEY, "X-Verigram-Api-Version": "2", "X-Verigram-Ts": ts,
                  "X-Verigram-Hmac-SHA256": hmac.new(SECRET.encode(), (ts + path).encode(), hashlib.sha256).hexdigest()})
    if ctype: h["Content-Type"] = ctype
    req = urllib.request.Request(BASE + path, data=body, method=method, headers=h)
    try:
        with urllib.request.urlopen(req) as r: return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")
def multipart(parts):
    bd = "----idflow" + uuid.uuid4().hex; out = b""
    for name, filename, ctype, data in parts:
        disp = 'form-data; name="%s"' % name + ('; filename="%s"' % filename if filename else "")
        out += ("--%s\r\nContent-Disposition: %s\r\n%s\r\n" % (bd, disp, "Content-Type: %s\r\n" % ctype if ctype else "")).encode() + data + b"\r\n"
    return "multipart/form-data; boundary=" + bd, out + ("--%s--\r\n" % bd).encode()
def picture(src, crop=None, name=None, extra=()):
    out = os.path.join(tmp, (name or uuid.uuid4().hex) + ".jpg")
    args = ["convert", src] + (["-gravity", "center", "-crop", crop, "+repage"] if crop else []) + list(extra) + ["-resize", "480x480", out]
    subprocess.run(args, check=True)
    return open(out, "rb").read()
iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int((t % 1) * 1000)
def attempt(token, action, frames):
    now = time.time()
    meta = {"mobile": True, "platform": "web", "actions": [{"action": action, "started_at": iso(now - 2.0), "ended_at": iso(now - 0.4)}],
            "frames": [{"taken_at": iso(now - 2.4)}] + [{"taken_at": iso(now - 1.8 + 0.45 * i)} for i in range(len(frames) - 1)]}
    ct, body = multipart([("metadata", None, "application/json", json.dumps(meta).encode())] +
                         [("frame", "f%d.jpg" % i, "image/jpeg", f) for i, f in enumerate(frames)])
    return call("POST", "/liveness2/client/attempts", body, ct, bearer=token)
def session(person, action="zoom-in"):
    st, b = call("POST", "/liveness2/session", json.dumps({"person_id": person, "pipeline": [[action]]}).encode(), "application/json")
    assert st == 201, (st, b); return b
def judged(frames, what, action="zoom-in"):
    s = session("face-" + uuid.uuid4().hex[:8], action)
    st, answer = attempt(s["access_token"], action, frames)
    st, j = call("GET", "/journal/session/" + s["session_id"])
    result = j.get("result") or {}
    print("     %s: device got %s; journal %s %s" % (what, answer, result.get("service_status"), result.get("error_codes")))
    return answer, result
grace = open(GRACE, "rb").read()
zoom = [picture(GRACE, c) for c in ("100%", "85%", "70%", "58%")]
# no face
a, r = judged([picture(ICE)] * 4, "no face")
check(r.get("service_status") == "attack" and "no_face" in r.get("error_codes", []), "no face → no_face")
# a second person in one frame
a, r = judged([zoom[0], zoom[1], picture(FOUR), zoom[3]], "two faces in a frame")
check("face_multiplicity_frame" in r.get("error_codes", []), "two faces in a frame → face_multiplicity_frame")
# a still photo for every frame of a zoom
a, r = judged([zoom[0]] * 4, "still photo")
check(r.get("service_status") != "real", "a still photo for zoom-in → not real (%s)" % r.get("error_codes"))
# two people across frames
a, r = judged([zoom[0], zoom[1], picture(JULIA), zoom[3]], "two people across frames")
check("face_multiplicity_session" in r.get("error_codes", []), "two people across frames → face_multiplicity_session")
# a real zoom: crops of one face at growing size
a, r = judged(zoom, "real zoom-in")
check(a.get("success") is True and r.get("service_status") == "real", "a real zoom-in → real")
a, r = judged(list(reversed(zoom)), "real zoom-out", "zoom-out")
check(r.get("service_status") == "real", "a real zoom-out → real")
# veriface: the flow's best frame against the person's face_enroll_img
def veriface(enroll, what):
    person = "vf-" + uuid.uuid4().hex[:8]
    ct, body = multipart([("upload_file", "enroll.jpg", "image/jpeg", enroll), ("label", None, None, b"face_enroll_img"),
                          ("person_id", None, None, person.encode())])
    st, b = call("POST", "/resources/storage", body, ct); assert st == 201, (st, b)
    st, f = call("POST", "/flow", json.dumps({"person_id": person, "template": {"pipeline": [
        {"service_name": "verilive", "pipeline": [["zoom-in"]]}, {"service_name": "veriface"}]}}).encode(), "application/json")
    assert st == 201, (st, f)
    vl = f["vlink"].rsplit("/", 1)[1]
    req = urllib.request.Request(BASE + "/hf/%s/api/start" % vl, data=b"{}", method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as resp: state = json.loads(resp.read())
    st, ans = attempt(state["current_step"]["access_token"], "zoom-in", zoom)
    st, res = call("GET", "/flow/%s/result" % f["flow_id"])
    statuses = [(x["service_name"], x.get("session_status")) for x in res.get("service_statuses", [])]
    print("     veriface, %s: flow %s %s" % (what, res.get("flow_status"), statuses))
    return res, dict(statuses)
res, st = veriface(picture(GRACE, "90%", extra=("-flop", "-modulate", "110")), "the same person (mirrored, brighter)")
check(st.get("veriface") == "pass" and res.get("flow_status") == "pass", "veriface: the same person → pass")
res, st = veriface(picture(JULIA), "another person")
check(st.get("veriface") == "fail", "veriface: another person → fail")
print("all checks passed" if failures == 0 else "%d check(s) failed" % failures)
sys.exit(1 if failures else 0)
