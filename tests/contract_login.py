"""Sign a user in on a running drop-local (BankID simulator), register and verify both channels,
and print the access token: the signed-in, onboarded user the contract run tests as."""
import json
import re
import sys
import urllib.error
import urllib.request

BASE = sys.argv[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def call(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        return OPENER.open(req)
    except urllib.error.HTTPError as e:
        return e


def expect(resp, status, what):
    if resp.status != status:
        sys.exit(f"{what}: expected {status}, got {resp.status}: {resp.read()[:300]!r}")
    return resp


r = expect(call("POST", BASE + "/api/auth/bankid/init"), 200, "login init")
binding = [c.split(";")[0] for c in r.headers.get_all("set-cookie") if c.startswith("__Host-drop_login=")][0]
authorize = json.loads(r.read())["authorizeUrl"]
r = expect(call("GET", authorize + "&sim_nnin=13097248022"), 303, "BankID simulator")
r = expect(call("GET", r.headers["location"], headers={"cookie": binding}), 303, "login callback")
token = [c.split(";")[0].split("=", 1)[1] for c in r.headers.get_all("set-cookie") if c.startswith("__Host-drop_at=")][0]
h = {"authorization": "Bearer " + token, "x-requested-with": "contract", "content-type": "application/json"}
body = json.dumps({"phone": "91234567", "email": "kari@example.no"}).encode()
expect(call("POST", BASE + "/api/auth/register", body, h), 202, "register")
for to, channel in [("%2B4791234567", "sms"), ("kari%40example.no", "email")]:
    messages = json.loads(call("GET", BASE + "/_local/messages?to=" + to).read())
    code = re.findall(r"\d{6}", messages[-1]["body"])[0]
    body = json.dumps({"code": code, "channel": channel}).encode()
    expect(call("POST", BASE + "/api/auth/verify", body, h), 200, "verify " + channel)
print(token)
