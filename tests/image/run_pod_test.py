#!/usr/bin/env python3
"""Run the deskstream image the way Kubernetes would run the session pod, and check it.

  run_pod_test.py test  [target ...]   default targets: cpu example cpu-nvenc nvidia broken
  run_pod_test.py start <target> <port> [--no-wait]   (tests/image/start_pod.sh)
  run_pod_test.py stop  <target> <port>               (tests/image/stop_pod.sh)

Targets: cpu (overlay), nvidia (overlay), example (examples/selkies-style-pod.yaml),
cpu-nvenc (cpu overlay with SELKIES_ENCODER=nvh264enc: no NVIDIA here, must fall back),
cpu-hmac (cpu overlay with an HS256 JWT secret file instead of the public key),
cpu-xorg (cpu overlay with X_SERVER=xorg; needs an image built with build.sh --xorg),
broken (negative: deskstream replaced by `false`; the test must see it fail).
The pod spec is rendered from deploy/kubernetes and translated by podspec.py into a podman pod
(network, IPC and UTS shared; PID not) with one container per pod container: env, users,
read-only root fs, tmpfs /dev/shm with its sizeLimit, emptyDirs shared between containers,
PVC, Secrets, memory limits.
Per target the test asserts: the startup probe path answers 2xx/3xx within the startup
budget (period x failureThreshold); readiness and liveness paths answer; /health answers 200;
each container runs as its uid on a read-only root; /dev/shm has the pod's size; with
nvh264enc the log mentions the fallback to x264enc; SIGTERM stops every container, with exit
status 0, within terminationGracePeriodSeconds.
Needs root, podman (deploy/image/podman-env.sh settings) and the image (DS_IMAGE, default
localhost/deskstream:dev) built by deploy/image/build.sh. Exit 77 (skip) when podman is absent.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import podspec  # noqa: E402

def _hmac_jwt(meta, spec):
    """The platform chose an HMAC (HS256) JWT secret: a file in the deskstream-auth Secret."""
    c = spec["containers"][0]
    c["env"] = [e for e in c["env"] if e["name"] != "DESKSTREAM_JWT_PUBLIC_KEY_FILE"]
    c["env"].append({"name": "DESKSTREAM_JWT_HMAC_SECRET_FILE", "value": "/etc/deskstream/jwt/hmac.key"})
    jwt = next(v for v in spec["volumes"] if v["name"] == "jwt")
    jwt["secret"]["items"].append({"key": "jwt-hmac-secret", "path": "hmac.key"})


# variant -> (rendered target, extra env for every container, patch of the pod spec or None)
VARIANTS = {
    "cpu": ("cpu", {}, None),
    "nvidia": ("nvidia", {}, None),
    "example": ("example", {}, None),
    "cpu-nvenc": ("cpu", {"SELKIES_ENCODER": "nvh264enc"}, None),
    "cpu-hmac": ("cpu", {}, _hmac_jwt),
    # Only with an image built by `deploy/image/build.sh --xorg` (DS_IMAGE=...).
    "cpu-xorg": ("cpu", {"X_SERVER": "xorg"}, None),
    # Negative: deskstream exits at once; the start-up check must fail and the container must
    # stop with a non-zero status (the entrypoint's child-death rule).
    "broken": ("cpu", {"DESKSTREAM_CMD": "false"}, None),
}
FALLBACK_RE = re.compile(r"fall(ing|s)?[ -]?back.*x264enc|x264enc.*fall(ing|s)?[ -]?back", re.I)


def podman_env():
    out = subprocess.run(["bash", "-c", f". '{REPO}/deploy/image/podman-env.sh' && env -0"],
                         check=True, capture_output=True).stdout.decode()
    return dict(kv.split("=", 1) for kv in out.split("\0") if "=" in kv)


ENV = None


def podman(*args, check=True, timeout=120):
    return subprocess.run(["podman", *args], env=ENV, capture_output=True, text=True, check=check, timeout=timeout)


# Ports free_port() has returned: a closed port can come back from the next bind to port 0, so two
# calls in a row could otherwise name the same one.
_HANDED_OUT_PORTS = set()


def free_port():
    """A port free now and not returned before by this process."""
    for _ in range(100):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _HANDED_OUT_PORTS:
            _HANDED_OUT_PORTS.add(port)
            return port
    raise RuntimeError("no port this process has not handed out already, after 100 tries")


def http_status(port, path, timeout):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except (urllib.error.URLError, OSError):
        return None


def http_text(port, path, timeout):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
            return r.read().decode()
    except (urllib.error.URLError, OSError):
        return None


def workdir_for(variant, port):
    return os.path.join(ENV["DS_CONTAINER_DIR"], "pods", f"{variant}-{port}")


def start(variant, port, wait=True):
    target, extra, patch = VARIANTS[variant]
    wd = workdir_for(variant, port)
    name = f"ds-pod-{variant}-{port}"
    remove(name)
    shutil.rmtree(wd, ignore_errors=True)
    spec = podspec.build(target, port, wd, ENV.get("DS_IMAGE", "localhost/deskstream:dev"), extra,
                         metrics_port=free_port(), patch=patch, name=name)
    with open(os.path.join(wd, "pod.json"), "w", encoding="utf-8") as f:
        json.dump(spec, f, indent=1)
    steps = spec["volume_args"] + [spec["pod_args"]] + [c["args"] for c in spec["containers"]]
    for args in steps:
        r = podman(*args, check=False)
        if r.returncode != 0:
            raise RuntimeError(f"podman {' '.join(args[:2])} failed: {r.stderr.strip()}")
    spec["started"] = time.monotonic()
    if wait:
        ok, msg = wait_startup(spec, port)
        if not ok:
            raise RuntimeError(msg)
    return spec


def remove(name):
    """Removes the pod <name>-pod (all its containers) and its volumes <name>-*."""
    podman("pod", "rm", "-f", f"{name}-pod", check=False)
    podman("rm", "-f", name, check=False)
    vols = podman("volume", "ls", "-q", "--filter", f"name={name}-", check=False).stdout.split()
    if vols:
        podman("volume", "rm", "-f", *[v for v in vols if v.startswith(f"{name}-")], check=False)


def running(name):
    r = podman("inspect", "-f", "{{.State.Running}}", name, check=False)
    return r.stdout.strip() == "true"


def wait_startup(spec, port):
    sp = spec["probes"].get("startupProbe") or spec["probes"].get("readinessProbe")
    budget = sp["initialDelay"] + sp["period"] * sp["failureThreshold"]
    deadline = spec["started"] + budget
    last = None
    while time.monotonic() < deadline:
        last = http_status(port, sp["path"], sp["timeout"])
        if last is not None and 200 <= last < 400:
            return True, f"startup probe {sp['path']} -> {last} after {time.monotonic() - spec['started']:.1f} s"
        if not running(spec["name"]):
            return False, f"container exited during start-up (last {sp['path']} status {last})"
        time.sleep(min(sp["period"], 1))
    return False, f"startup probe {sp['path']} not successful within {budget} s (last status {last})"


def stop(names, grace):
    """SIGTERM to every container (what the kubelet sends), wait up to grace; returns
    (seconds, {name: exit code or None}, killed)."""
    t0 = time.monotonic()
    podman("kill", "--signal", "TERM", *names, check=False)
    codes = {}
    try:
        r = podman("wait", *names, check=False, timeout=grace + 5)
        vals = r.stdout.split()
        codes = {n: int(v) if v.lstrip("-").isdigit() else None for n, v in zip(names, vals)}
    except subprocess.TimeoutExpired:
        pass
    took = time.monotonic() - t0
    killed = len(codes) != len(names) or took > grace
    if killed:
        podman("kill", "--signal", "KILL", *names, check=False)
    return took, codes, killed


def cleanup(name, variant, port):
    remove(name)
    shutil.rmtree(workdir_for(variant, port), ignore_errors=True)


def test_variant(variant):
    port = free_port()
    fails = []

    def check(ok, msg):
        print(f"  [{'ok' if ok else 'FAIL'}] {variant}: {msg}", flush=True)
        if not ok:
            fails.append(msg)

    t0 = time.monotonic()
    try:
        spec = start(variant, port, wait=False)
    except RuntimeError as e:
        check(False, str(e))
        cleanup(f"ds-pod-{variant}-{port}", variant, port)
        return fails
    name = spec["name"]
    try:
        ok, msg = wait_startup(spec, port)
        check(ok, msg)
        if ok:
            for kind in ("readinessProbe", "livenessProbe"):
                pr = spec["probes"].get(kind)
                check(pr is not None, f"{kind} defined in the pod spec")
                if pr:
                    st = http_status(port, pr["path"], pr["timeout"])
                    check(st is not None and 200 <= st < 400, f"{kind} {pr['path']} -> {st}")
            st = http_status(port, "/health", 5)
            check(st == 200, f"/health (Selkies compatible, no auth) -> {st}")
            for c in spec["containers"]:
                r = podman("exec", c["name"], "sh", "-c",
                           "id -u; touch /usr/.rw-test 2>/dev/null && echo rw || echo ro; "
                           "df -B1 --output=size /dev/shm | tail -1", check=False)
                lines = r.stdout.split()
                who = f"{c['k8s_name']} (DS_ROLE={c['role']})"
                check(len(lines) == 3 and lines[0] == str(c["uid"]), f"{who} runs as uid {c['uid']} (got {lines[:1]})")
                check(len(lines) == 3 and lines[1] == "ro", f"{who}: root filesystem is read-only")
                if len(lines) == 3 and "/dev/shm" in c["mounts"]:
                    check(int(lines[2]) == 1 << 30, f"{who}: /dev/shm is a 1Gi tmpfs (size {lines[2]})")
            uids = {c["uid"] for c in spec["containers"]}
            check(len(uids) == len(spec["containers"]), f"every container has its own uid ({sorted(uids)})")
            if spec["env"].get("SELKIES_ENABLE_METRICS_HTTP") == "true":
                mport = spec.get("metrics_port")
                text = http_text(mport, "/metrics", 5) if mport else None
                check(text is not None and "deskstream_info{" in text,
                      f"/metrics on the pod's metrics port answers ({len(text or '')} bytes)")
                if text is not None and spec["env"].get("SELKIES_ENCODER") == "nvh264enc":
                    check('deskstream_encoder_fallbacks_total{from="nvh264enc",phase="startup",to="x264enc"} 1' in text,
                          "the startup fallback is counted in /metrics")
            if spec["env"].get("SELKIES_ENCODER") == "nvh264enc":
                logs = podman("logs", name, check=False)
                text = logs.stdout + logs.stderr
                m = [ln for ln in text.splitlines() if FALLBACK_RE.search(ln)]
                check(bool(m), "nvh264enc without NVIDIA falls back to x264enc: "
                      + (m[0].strip()[:160] if m else "no fallback line in the log"))
        names = [c["name"] for c in spec["containers"]]
        took, codes, killed = stop(names, spec["grace"])
        check(not killed and all(v == 0 for v in codes.values()),
              f"SIGTERM -> stopped in {took:.1f} s (grace {spec['grace']} s), exit status {codes}")
    finally:
        if fails:
            for c in spec["containers"]:
                logs = podman("logs", "--tail", "40", c["name"], check=False)
                print(f"  --- last log lines of {c['name']} ---\n{logs.stdout}{logs.stderr}  ---", flush=True)
        cleanup(name, variant, port)
    print(f"  {variant}: {time.monotonic() - t0:.1f} s", flush=True)
    return fails


def test_broken():
    """The harness must be able to fail: a pod whose deskstream dies must not pass."""
    port = free_port()
    spec = start("broken", port, wait=False)
    try:
        ok, msg = wait_startup(spec, port)
        podman("wait", spec["name"], check=False, timeout=60)
        code = podman("inspect", "-f", "{{.State.ExitCode}}", spec["name"], check=False).stdout.strip()
        good = (not ok) and code not in ("", "0")
        print(f"  [{'ok' if good else 'FAIL'}] broken: dead deskstream detected ({msg}; exit status {code})", flush=True)
        return [] if good else ["negative check did not fail"]
    finally:
        cleanup(spec["name"], "broken", port)


def main(argv):
    global ENV
    if shutil.which("podman") is None:
        print("SKIP: podman not installed (scripts/packages/k8s.txt)")
        return 77
    ENV = podman_env()
    image = ENV.get("DS_IMAGE", "localhost/deskstream:dev")
    cmd = argv[1] if len(argv) > 1 else "test"
    if cmd == "start":
        variant, port = argv[2], int(argv[3])
        spec = start(variant, port, wait="--no-wait" not in argv)
        print(f"http://127.0.0.1:{port}/")
        print(f"container {spec['name']}, desktop container {spec['desktop']} "
              f"(stop: tests/image/stop_pod.sh {variant} {port}); "
              f"pod spec and env: {workdir_for(variant, port)}/pod.json", file=sys.stderr)
        if spec.get("hmac_key"):
            print(f"JWT HMAC key (matches the pod's DESKSTREAM_JWT_HMAC_SECRET_FILE): {spec['hmac_key']}",
                  file=sys.stderr)
        if spec.get("signing_key"):
            print(f"JWT signing key (matches the pod's DESKSTREAM_JWT_PUBLIC_KEY_FILE): {spec['signing_key']}",
                  file=sys.stderr)
        return 0
    if cmd == "stop":
        variant, port = argv[2], int(argv[3])
        name = f"ds-pod-{variant}-{port}"
        names = podman("ps", "-a", "--filter", f"pod={name}-pod", "--format", "{{.Names}}", check=False).stdout.split()
        names = [n for n in names if n.startswith(name)] or [name]
        took, codes, killed = stop(names, 30)
        print(f"stopped {name} in {took:.1f} s, exit status {codes}" + (" (killed)" if killed else ""), file=sys.stderr)
        cleanup(name, variant, port)
        return 0
    if podman("image", "exists", image, check=False).returncode != 0:
        print(f"FAIL: image {image} not found; build it first: deploy/image/build.sh (ctest test image_build)")
        return 1
    created = podman("image", "inspect", "-f", "{{.Created}}", image, check=False).stdout.strip()
    print(f"image {image} (created {created})")
    variants = argv[2:] or ["cpu", "example", "cpu-nvenc", "nvidia", "broken"]
    fails = []
    for v in variants:
        fails += test_broken() if v == "broken" else test_variant(v)
    print("pod test: all checks pass" if not fails else f"pod test: {len(fails)} failures")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
