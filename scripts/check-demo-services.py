#!/usr/bin/env python3
# Drives each built-in service through the client API of a running demo, with a test and a live key (issue #9).
# Start the demo first:
#   java -jar demo-app/target/idflow-demo.jar --port 8391 --storage h2 \
#     --consumer bank:test-key-bank-0001-7a1c6e30589d4b2f11 \
#     --consumer bank:live-key-bank-0001-3c7e9a1f5b2d8046aa:live-secret-bank-0001-9d4b2f7a1c6e3058 \
#     --kyc-list bank:blocked:iin:880101300123 > demo.log 2>&1 &
# then: DEMO_LOG=demo.log python3 scripts/check-demo-services.py   (exit 0 when every check passes)
import json, time, hmac, hashlib, urllib.request, re, sys, uuid
BASE="http://localhost:8391"
LIVE="live-key-bank-0001-3c7e9a1f5b2d8046aa"; SEC="live-secret-bank-0001-9d4b2f7a1c6e3058"; TK="test-key-bank-0001-7a1c6e30589d4b2f11"
def call(method, path, body=None, key=None, headers=None, raw=None, ctype="application/json"):
    h={"Accept":"application/json"}
    if key:
        h["X-Verigram-Api-Key"]=key; h["X-Verigram-Api-Version"]="2"
        if key==LIVE:
            time.sleep(1.05)  # a signed request is served once: one (ts, path) per second
            ts=str(int(time.time())); h["X-Verigram-Ts"]=ts
            h["X-Verigram-Hmac-SHA256"]=hmac.new(SEC.encode(),(ts+path).encode(),hashlib.sha256).hexdigest()
    data=None
    if body is not None: data=json.dumps(body).encode(); h["Content-Type"]=ctype
    if raw is not None: data=raw[1]; h["Content-Type"]=raw[0]
    if headers: h.update(headers)
    req=urllib.request.Request(BASE+path,data=data,method=method,headers=h)
    try:
        with urllib.request.urlopen(req) as r: return r.status, json.loads(r.read() or b"null"), dict(r.headers)
    except urllib.error.HTTPError as e:
        b=e.read(); 
        try: b=json.loads(b)
        except Exception: b=b.decode(errors="replace")
        return e.code, b, dict(e.headers)
def flow(key, pipeline, person=None, input_data=None):
    body={"person_id": person or "p-"+uuid.uuid4().hex[:10], "template":{"pipeline":pipeline}}
    if input_data: body["input_data"]=input_data
    st,b,_=call("POST","/flow",body,key); assert st==201,(st,b); return b["flow_id"], b["vlink"].rsplit("/",1)[1]
def hf(method, vl, rest, body=None, raw=None):
    return call(method, "/hf/"+vl+"/api/"+rest, body, raw=raw)
ok=0
def check(cond, what):
    global ok
    print(("PASS " if cond else "FAIL ")+what); ok += 0 if cond else 1
# ---- test key: language, consent, form, otp(000000), file-storage, device-filter, kyc-list, notification, kisc
fid, vl = flow(TK, [{"service_name":"language-selector"},{"service_name":"consent"},
   {"service_name":"flow-form","fields":[{"name":"full_name","type":"text","label":{"en":"Name","ru":"Имя"}},{"name":"iin","type":"iin","label":"IIN"}]},
   {"service_name":"otp"},{"service_name":"file-storage","files":[{"label":"id_card","types":["application/pdf"]}]},
   {"service_name":"device-filter","allow":["mobile"]},{"service_name":"kyc-list","lists":["blocked"]},
   {"service_name":"notification","text":"Hello"},{"service_name":"kisc"}], input_data={"phone_number":"+77011234567"})
st,s,_=hf("POST",vl,"start",{"device_type":"mobile","platform":"android"}); check(st==200 and s["current_step"]["screen"]["kind"]=="language", "test: language screen")
st,s,_=hf("POST",vl,"steps/step-1/submit",{"locale":"xx"}); check(st==422 and s.get("field")=="locale", "test: bad locale 422 names locale")
st,s,_=hf("POST",vl,"steps/step-1/submit",{"locale":"ru"}); check(st==200 and s["locale"]=="ru" and s["current_step"]["screen"]["kind"]=="consent", "test: ru then consent")
st,s,_=hf("POST",vl,"steps/step-2/submit",{"accepted":True}); check(st==200 and s["current_step"]["screen"]["kind"]=="form", "test: form screen")
st,s,_=hf("POST",vl,"steps/step-3/submit",{"answers":{"full_name":"Айгерим Сапарова","iin":"123456789012"}}); check(st==422 and s.get("field")=="answers.iin", "test: bad iin 422 "+str(s))
st,s,_=hf("POST",vl,"steps/step-3/submit",{"answers":{"full_name":"Айгерим Сапарова","iin":"880101300123"}}); check(st==200 and s["current_step"]["screen"]["kind"]=="otp", "test: valid form -> otp "+str(s.get("error_msg")))
scr=s["current_step"]["screen"]; check(scr.get("destination","").endswith("45 67"), "test: otp destination masked "+scr.get("destination",""))
st,s,h=hf("POST",vl,"steps/step-4/resend"); check(st==429 and "Retry-After" in h, "test: resend too soon 429 Retry-After")
st,s,_=hf("POST",vl,"steps/step-4/submit",{"code":"111111"}); check(st==422 and s.get("rule")=="wrong_code", "test: wrong code 422")
st,s,_=hf("POST",vl,"steps/step-4/submit",{"code":"000000"}); check(st==200 and s["current_step"]["screen"]["kind"]=="upload", "test: sandbox code -> upload")
html=b"<html><script>alert(1)</script></html>"
def mp(parts):
    bd="----x"+uuid.uuid4().hex; out=b""
    for name,fn,ct,data in parts:
        out+=("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\nContent-Type: %s\r\n\r\n"%(bd,name,fn,ct)).encode()+data+b"\r\n"
    out+=("--%s--\r\n"%bd).encode(); return ("multipart/form-data; boundary="+bd, out)
st,s,_=hf("POST",vl,"steps/step-5/files",raw=mp([("id_card","a.pdf","application/pdf",html)])); check(st==422 and s.get("rule")=="file_type", "test: html as pdf refused "+str(s))
pdf=b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
st,s,_=hf("POST",vl,"steps/step-5/files",raw=mp([("id_card","a.pdf","application/pdf",pdf)]))
check(st==200, "test: pdf accepted; flow moved through device-filter, kyc-list (iin 880101300123 is blocked) "+json.dumps(s)[:300])
check(s.get("flow_status")=="fail", "test: kyc-list hit failed the flow: "+str(s.get("flow_status"))+" "+str(s.get("end_cause")))
st,r,_=call("GET","/flow/"+fid+"/result",key=TK); check(st==200, "test: result "+json.dumps([ (x["service_name"],x.get("session_status") or x.get("frontend_session_status")) for x in r.get("service_statuses",[])]))
check(r.get("person_name")=="Айгерим Сапарова" and r.get("iin")=="880101300123", "test: person_name/iin from the form: %s %s"%(r.get("person_name"),r.get("iin")))
# ---- test key: no kyc hit, notification + kisc sandbox
fid2, vl2 = flow(TK, [{"service_name":"device-filter","deny":["desktop"]},{"service_name":"notification","text":{"en":"Hi","ru":"Привет"}},{"service_name":"kisc"},{"service_name":"interrupter","message":"Wait please","timeout":60}], input_data={"phone_number":"+77011234567","iin":"900202400456"})
st,s,_=hf("POST",vl2,"start",{"device_type":"mobile","platform":"ios"}); check(st==200 and s["current_step"]["service_name"]=="interrupter" and s["current_step"]["screen"]["kind"]=="wait", "test: device-filter, notification, kisc pass; interrupter waits "+json.dumps(s.get("current_step"))[:200])
st,r,_=call("GET","/flow/"+fid2+"/result",key=TK); check(r.get("person_name") is not None, "test: kisc sandbox gave person_name "+str(r.get("person_name")))
# ---- test key: desktop denied
fid3, vl3 = flow(TK, [{"service_name":"device-filter","allow":["mobile"]},{"service_name":"consent"}])
st,s,_=hf("POST",vl3,"start",{"device_type":"desktop","platform":"web"}); check(st==200 and s["flow_status"]=="fail", "test: desktop denied fails the flow")
# ---- live key
st,b,_=call("POST","/flow",{"person_id":"p-live-1","template":{"pipeline":[{"service_name":"kisc"}]}},LIVE); check(st==422 and b["error_code"]=="SERVICE_NOT_AVAILABLE" and "step-1" in b["error_msg"], "live: kisc without implementation 422 "+b.get("error_msg",""))
fid4, vl4 = flow(LIVE, [{"service_name":"flow-form","fields":[{"name":"email","type":"email","label":"E-mail"}]},{"service_name":"otp","channel":"email"},{"service_name":"notification","channel":"sms","text":"Done"}], input_data={"phone_number":"+77011234567"})
st,s,_=hf("POST",vl4,"start",{"device_type":"desktop","platform":"web"}); check(st==200 and s["current_step"]["screen"]["kind"]=="form", "live: form")
st,s,_=hf("POST",vl4,"steps/step-1/submit",{"answers":{"email":"not-an-email"}}); check(st==422 and s.get("field")=="answers.email", "live: bad email 422")
st,s,_=hf("POST",vl4,"steps/step-1/submit",{"answers":{"email":"aigerim@bank.kz"}}); check(st==200 and s["current_step"]["screen"]["kind"]=="otp", "live: otp by email "+json.dumps(s.get("current_step",{}).get("screen")))
time.sleep(1)
import os; log=open(os.environ.get("DEMO_LOG", "demo.log")).read()
codes=re.findall(r"(?:code|код|кодыңыз)[^0-9]{0,5}([0-9]{6})", log, flags=re.I)
check(bool(codes), "live: the demo log holds the code (LogMessageSender)")
st,s,_=hf("POST",vl4,"steps/step-2/submit",{"code":codes[-1] if codes else "x"})
check(st==200 and s.get("flow_status")=="pass", "live: right code passes; notification sent; flow "+str(s.get("flow_status"))+" "+str(s.get("end_cause")))
print("failures:", ok); sys.exit(1 if ok else 0)
