#!/usr/bin/env python3
# Replays the lending client's requests (issue #11) against a running demo: its upload (label=unspecified),
# its KISC script (kisc_face_image ""), its 7-step pipeline, every request signed, the person's part through
# the client API (liveness scripted real), then its result and download calls; checks signed_doc with pdfsig.
# Start the demo first:
#   java -jar demo-app/target/idflow-demo.jar --port 8391 --data-dir /tmp/demo-data \
#     --signed-test-key lender:test-key-lender-0001-7a1c6e30589d4b2f:test-secret-lender-0001-9d4b2f7a1c6e
# then: python3 scripts/check-loan-journey.py        (exit 0 when every check passes; needs pdfsig)
import json, time, hmac, hashlib, urllib.request, uuid, subprocess, tempfile, os, sys, zlib
BASE = os.environ.get("DEMO", "http://localhost:8391")
KEY = "test-key-lender-0001-7a1c6e30589d4b2f"; SECRET = "test-secret-lender-0001-9d4b2f7a1c6e"
FACE = "/usr/share/doc/facedetect/examples/grace_hopper_512x512.jpg"
failures = 0
def check(cond, what):
    global failures
    print(("PASS " if cond else "FAIL ") + what); failures += 0 if cond else 1
def request(method, path, body=None, ctype=None, signed=True, accept="application/json"):
    h = {"Accept": accept} if accept else {}
    if signed:
        time.sleep(1.05)  # a signed request is served once: one (ts, path) per second
        ts = str(int(time.time()))
        h.update({"X-Verigram-Api-Key": KEY, "X-Verigram-Api-Version": "2", "X-Verigram-Ts": ts,
                  "X-Verigram-Hmac-SHA256": hmac.new(SECRET.encode(), (ts + path).encode(), hashlib.sha256).hexdigest()})
    if ctype: h["Content-Type"] = ctype
    req = urllib.request.Request(BASE + path, data=body, method=method, headers=h)
    try:
        with urllib.request.urlopen(req) as r: return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e: return e.code, e.read(), dict(e.headers)
def api(method, path, obj=None, signed=True):
    st, b, h = request(method, path, json.dumps(obj).encode() if obj is not None else None,
                       "application/json" if obj is not None else None, signed)
    try: return st, json.loads(b or b"null"), h
    except ValueError: return st, b, h
def multipart(parts):
    bd = "----idflow" + uuid.uuid4().hex; out = b""
    for name, filename, ctype, data in parts:
        disp = 'form-data; name="%s"' % name + ('; filename="%s"' % filename if filename else "")
        out += ("--%s\r\nContent-Disposition: %s\r\n%s\r\n" % (bd, disp, "Content-Type: %s\r\n" % ctype if ctype else "")).encode() + data + b"\r\n"
    return "multipart/form-data; boundary=" + bd, out + ("--%s--\r\n" % bd).encode()
def pdf(text):
    stream = ("BT /F1 18 Tf 72 720 Td (%s) Tj ET" % text).encode()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = b"%PDF-1.4\n"; offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out)); out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)

person = "lender-" + uuid.uuid4().hex[:10]
name, iin = "Сейітқали Нұрлан Әбдіғалиұлы", "900101300123"
agreement = pdf("Loan agreement No. 42")
# 1. the upload
ct, body = multipart([("upload_file", "loan-agreement.pdf", "application/pdf", agreement),
                      ("label", None, None, b"unspecified"), ("person_id", None, None, person.encode())])
st, b, _ = request("POST", "/resources/storage", body, ct); up = json.loads(b)
check(st == 201 and "session_id" in up, "upload label=unspecified → 201 %s" % b[:120])
# 2. the KISC script, an empty face image, and liveness scripted real
import base64
pii = base64.b64encode(json.dumps({"iin": iin, "full_name": name}).encode()).decode()
st, b, _ = api("POST", "/mockery/result", {"person_id": person, "result": {"service_name": "kisc", "service_status": "success",
               "iin": iin, "full_name": name}, "files": {"kisc_pii": pii, "kisc_face_image": ""}})
check(st == 200, "kisc script with kisc_face_image \"\" → 200 %s" % str(b)[:120])
st, b, _ = api("POST", "/mockery/result", {"person_id": person, "result": {"service_name": "verilive", "service_status": "real"}})
check(st == 200, "verilive scripted real → 200")
# 3. the 7-step pipeline
pipeline = [{"service_name": "consent"}, {"service_name": "verilive", "native": False}, {"service_name": "kisc"},
            {"service_name": "client-card"}, {"service_name": "doc-preview", "files": ["input_files", "client-card"]},
            {"service_name": "esign", "action": "issue", "skip_exists": True},
            {"service_name": "esign", "action": "sign", "files": ["input_files", "client-card"], "forgot_password_option": True}]
st, flow, _ = api("POST", "/flow", {"person_id": person, "locale": "ru", "callback_url": "https://lender.example/cb",
                  "template": {"pipeline": pipeline}, "input_data": {"phone_number": "+77011234567",
                  "files": {"doc_preview": [{"file_id": up["session_id"], "filename": "Договор займа.pdf"}]}}})
check(st == 201, "create the 7-step flow → 201 %s" % str(flow)[:160])
vl = flow["vlink"].rsplit("/", 1)[1]
hf = lambda m, rest, obj=None: api(m, "/hf/" + vl + "/api/" + rest, obj, signed=False)
# 4. the person
st, s, _ = hf("POST", "start", {"device_type": "mobile", "platform": "android"})
st, s, _ = hf("POST", "steps/step-1/submit", {"accepted": True})
cur = s["current_step"]; check(cur["service_name"] == "verilive", "consent → the camera step")
now = time.time(); iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int((t % 1) * 1000)
acts = [a for g in cur["pipeline"] for a in g]; meta = {"mobile": True, "platform": "web", "actions": [], "frames": []}
t = now - 1 - 2 * len(acts)
for a in acts: meta["actions"].append({"action": a, "started_at": iso(t), "ended_at": iso(t + 1.5)}); t += 2
frames = [open(FACE, "rb").read()] * 3; meta["frames"] = [{"taken_at": iso(now - 3 + i)} for i in range(3)]
ct, body = multipart([("metadata", None, "application/json", json.dumps(meta).encode())] +
                     [("frame", "f%d.jpg" % i, "image/jpeg", f) for i, f in enumerate(frames)])
req = urllib.request.Request(BASE + "/liveness2/client/attempts", data=body, method="POST",
                             headers={"Content-Type": ct, "Authorization": "Bearer " + cur["access_token"]})
with urllib.request.urlopen(req) as r: ans = json.loads(r.read())
check(ans.get("success") is True, "liveness attempt (scripted real) → success %s" % ans)
st, s, _ = hf("GET", "state"); cur = s["current_step"]
check(cur["service_name"] == "doc-preview" and cur["screen"]["kind"] == "documents" and len(cur["screen"]["documents"]) == 2,
      "kisc and client-card done at once; doc-preview shows 2 documents %s" % json.dumps(cur["screen"], ensure_ascii=False)[:200])
st, png, h = request("GET", "/hf/%s/api/steps/%s/documents/2/pages/1" % (vl, cur["step_id"]), signed=False, accept=None)
check(st == 200 and h.get("Content-Type", "").startswith("image/png") and png[:8] == b"\x89PNG\r\n\x1a\n", "client card page 1 as PNG")
st, s, _ = hf("POST", "steps/%s/submit" % cur["step_id"], {"acknowledged": True}); cur = s["current_step"]
check(cur["service_name"] == "esign" and cur["screen"]["kind"] == "sign", "issue done; the sign screen %s" % json.dumps(cur["screen"], ensure_ascii=False)[:160])
st, s, _ = hf("POST", "steps/%s/submit" % cur["step_id"], {"confirmed": True})
check(s.get("flow_status") == "pass" and s.get("end_cause") == "completed", "signed: the flow ends pass/completed")
# 5. the callback's calls
st, r, _ = api("GET", "/flow/%s/result" % flow["flow_id"])
check(st == 200 and r["flow_status"] == "pass" and r["end_cause"] == "completed", "result pass + completed")
check(r.get("person_name") == name and r.get("iin") == iin, "person_name/iin from kisc: %s %s" % (r.get("person_name"), r.get("iin")))
st, signed, h = request("GET", "/resources/file?label=signed_doc&flow_id=" + flow["flow_id"], accept=None)
check(st == 200 and h.get("Content-Type", "").startswith("application/pdf"), "signed_doc is application/pdf (%s)" % h.get("Content-Type"))
check(signed.startswith(agreement), "signed_doc is the agreement with a signature appended")
with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as f: f.write(signed)
out = subprocess.run(["pdfsig", f.name], capture_output=True, text=True).stdout
print(out)
check("Signature is Valid." in out and ("Signer Certificate Common Name: " + name) in out and "Total document signed" in out,
      "pdfsig: valid, the whole document, signed by %s" % name)
print("all checks passed" if failures == 0 else "%d check(s) failed" % failures)
sys.exit(1 if failures else 0)
