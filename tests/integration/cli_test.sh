#!/usr/bin/env bash
# The real binary: --help, bad values stop startup with one line naming the variable, a missing
# X display is a clear error. Prints "N passed, M failed".
set -u
bin=$1
pass=0; fail=0
check() {  # name, expected exit code, expected text, command...
  local name=$1 code=$2 text=$3; shift 3
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" = "$code" ] && grep -qF -- "$text" <<<"$out"; then pass=$((pass + 1)); echo "ok   $name"
  else fail=$((fail + 1)); echo "FAIL $name: exit $rc, output: $(head -c 400 <<<"$out")"; fi
}
check "help lists options" 0 "--enable_basic_auth" "$bin" --help
check "help names env vars" 0 "SELKIES_VIDEO_BITRATE" "$bin" --help
check "bad port" 2 "SELKIES_PORT=\"abc\" is not valid: expected an integer 1..65535" env SELKIES_PORT=abc "$bin"
check "bad encoder" 2 "SELKIES_ENCODER=\"foo\" is not valid: expected nvh264enc" env SELKIES_ENCODER=foo "$bin"
check "zero framerate" 2 "SELKIES_FRAMERATE=\"0\"" env SELKIES_FRAMERATE=0 "$bin"
check "fractional keyframe distance" 2 "SELKIES_KEYFRAME_DISTANCE=\"inf\" is not valid" env SELKIES_KEYFRAME_DISTANCE=inf "$bin"
# A boolean Selkies reads as false starts the same way here, with one warning line.
check "bool read as Selkies reads it" 1 "SELKIES_ENABLE_HTTPS=\"yes please\": read as false" env DISPLAY=:987 SELKIES_ENABLE_BASIC_AUTH=false SELKIES_ENABLE_HTTPS="yes please" SELKIES_KEYFRAME_DISTANCE=0.5 timeout 30 "$bin"
check "flag beats env" 2 "--port=\"70000\"" env SELKIES_PORT=8080 "$bin" --port 70000
check "unknown flag" 2 "command line" "$bin" --frobnicate
check "bad metrics port" 2 "SELKIES_METRICS_HTTP_PORT=\"http\" is not valid: expected an integer 1..65535" env SELKIES_METRICS_HTTP_PORT=http "$bin"
check "metrics port is the main port" 2 "SELKIES_METRICS_HTTP_PORT=8080 is also SELKIES_PORT" env SELKIES_ENABLE_METRICS_HTTP=true SELKIES_METRICS_HTTP_PORT=8080 "$bin"
check "bad TURN REST URI" 2 "SELKIES_TURN_REST_URI=\"ftp://x\" is not valid" env SELKIES_TURN_REST_URI=ftp://x "$bin"
check "statistics dir missing" 2 "SELKIES_WEBRTC_STATISTICS_DIR=\"/nonexistent/ds\" is not valid" env SELKIES_ENABLE_WEBRTC_STATISTICS=true SELKIES_WEBRTC_STATISTICS_DIR=/nonexistent/ds "$bin"
check "empty password" 2 "SELKIES_BASIC_AUTH_PASSWORD is empty" env SELKIES_BASIC_AUTH_PASSWORD= "$bin"
check "bad public URL" 2 "DESKSTREAM_PUBLIC_URL=\"ftp://desk.example/\" is not valid: the scheme must be http or https" env DESKSTREAM_PUBLIC_URL=ftp://desk.example/ "$bin"
check "bad trusted proxies" 2 "DESKSTREAM_TRUSTED_PROXIES=\"10.0.0.0/33\" is not valid" env DESKSTREAM_TRUSTED_PROXIES=10.0.0.0/33 "$bin"
check "short TURN lifetime" 2 "DESKSTREAM_TURN_CREDENTIAL_LIFETIME=\"10\" is not valid: expected an integer 60..86400" env DESKSTREAM_TURN_CREDENTIAL_LIFETIME=10 "$bin"
check "one line only" 2 "" bash -c "[ \$(env SELKIES_PORT=abc '$bin' 2>&1 | wc -l) -eq 1 ] || exit 9; exit 2"
check "no X display" 1 "DISPLAY=:987: cannot connect to the X server" env DISPLAY=:987 SELKIES_ENABLE_BASIC_AUTH=false timeout 30 "$bin"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
