#!/usr/bin/env python3
# Vigil integration for Wazuh's integratord (MIT, part of Vigil).
#
# integratord runs: custom-vigil <alert_file> <api_key> <hook_url> [debug] [options_file]
# once per alert. This script POSTs the alert to Vigil's /api/ingest/wazuh with the API key as a
# Bearer token, retrying briefly on network errors, 429 and 5xx. Standard library only.
import json
import sys
import time
import urllib.error
import urllib.request

LOG_FILE = "/var/ossec/logs/integrations.log"
MAX_ATTEMPTS = 4


def log(msg, debug):
    line = time.strftime("%a %b %d %H:%M:%S %Z %Y") + " custom-vigil: " + msg + "\n"
    if debug:
        sys.stderr.write(line)
    try:
        with open(LOG_FILE, "a") as f:
            f.write(line)
    except OSError:
        pass


def main(argv):
    if len(argv) < 4:
        sys.stderr.write("usage: custom-vigil <alert_file> <api_key> <hook_url> [debug] [options_file]\n")
        return 2
    alert_file, api_key, hook_url = argv[1], argv[2], argv[3]
    debug = len(argv) > 4 and argv[4] == "debug"
    with open(alert_file, encoding="utf-8", errors="replace") as f:
        alert = json.load(f)
    body = json.dumps(alert).encode("utf-8")
    headers = {"Content-Type": "application/json", "User-Agent": "wazuh-custom-vigil/1"}
    if api_key:
        headers["Authorization"] = "Bearer " + api_key
    delay = 1.0
    for attempt in range(1, MAX_ATTEMPTS + 1):
        req = urllib.request.Request(hook_url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                log("alert %s delivered (%d)" % (alert.get("id", "?"), resp.status), debug)
                return 0
        except urllib.error.HTTPError as e:
            detail = e.read(500).decode("utf-8", "replace")
            # 400 (invalid alert), 401/403 (key) will not get better by retrying.
            if e.code != 429 and e.code < 500:
                log("alert %s refused: HTTP %d %s" % (alert.get("id", "?"), e.code, detail), debug)
                return 1
            retry_after = e.headers.get("Retry-After")
            wait = float(retry_after) if retry_after and retry_after.isdigit() else delay
            log("attempt %d: HTTP %d, retrying in %.0fs" % (attempt, e.code, wait), debug)
        except (urllib.error.URLError, OSError) as e:
            wait = delay
            log("attempt %d: %s, retrying in %.0fs" % (attempt, e, wait), debug)
        if attempt < MAX_ATTEMPTS:
            time.sleep(min(wait, 30))
            delay *= 2
    log("alert %s not delivered after %d attempts" % (alert.get("id", "?"), MAX_ATTEMPTS), debug)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
