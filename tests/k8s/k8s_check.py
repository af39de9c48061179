#!/usr/bin/env python3
"""Offline checks of deploy/kubernetes: render, JSON-schema validation, policy, negative tests.

  k8s_check.py render  [--renderer auto|kubectl|python]   render every target, print summary
  k8s_check.py schema                                     validate every rendered object
  k8s_check.py policy                                     policy checks on session pods
  k8s_check.py negative                                   each check must catch a bad manifest
  k8s_check.py parity                                     real kustomize == kustomize_lite
  k8s_check.py dump <target>                              print the rendered YAML

Rendering uses real kustomize (`kubectl kustomize`) when it exists and DS_K8S_RENDERER is not
"python"; otherwise tests/k8s/kustomize_lite.py, which implements only the subset we use.
Schemas: $DS_K8S_SCHEMA_DIR, default <repo>/../shared/k8s-schemas/v1.32.2-standalone-strict.
Exit 0 = pass, 1 = fail, 77 = skipped (ctest SKIP_RETURN_CODE).
"""
import copy
import json
import os
import shutil
import subprocess
import sys
import warnings

import yaml

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import kustomize_lite  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
K8S = os.path.join(REPO, "deploy", "kubernetes")
SCHEMA_DIR = os.environ.get("DS_K8S_SCHEMA_DIR") or os.path.join(
    REPO, "..", "shared", "k8s-schemas", "v1.32.2-standalone-strict")

# name -> (kind of source, path). "kustomize" targets are rendered; "file" targets are plain.
TARGETS = {
    "base": ("kustomize", "base"),
    "nvidia": ("kustomize", "overlays/nvidia"),
    "cpu": ("kustomize", "overlays/cpu"),
    "gpu-sharing": ("kustomize", "gpu-sharing"),
    "coturn": ("kustomize", "coturn"),
    "example": ("file", "examples/selkies-style-pod.yaml"),
}
# Session pods: the Pod Security / workload policy applies to these. (coturn is
# infrastructure: hostNetwork by design, in its own privileged namespace.)
SESSION_TARGETS = ["base", "nvidia", "cpu", "example"]
GPU_TARGETS = ["nvidia", "example"]


# ---------------------------------------------------------------- rendering
def kubectl_kustomize():
    exe = shutil.which("kubectl")
    if not exe:
        return None
    try:
        r = subprocess.run([exe, "kustomize", "--help"], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return exe if r.returncode == 0 else None


def renderer_choice(requested=None):
    req = requested or os.environ.get("DS_K8S_RENDERER", "auto")
    if req == "python":
        return "python"
    exe = kubectl_kustomize()
    if req == "kubectl" and not exe:
        raise SystemExit("kubectl kustomize requested but not available")
    return "kubectl" if exe else "python"


def render(target, renderer=None):
    kind, rel = TARGETS[target] if target in TARGETS else ("kustomize", target)
    path = os.path.join(K8S, rel)
    if kind == "file":
        with open(path, encoding="utf-8") as f:
            return [d for d in yaml.safe_load_all(f) if d]
    if renderer_choice(renderer) == "kubectl":
        r = subprocess.run([kubectl_kustomize(), "kustomize", path], capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError(f"kubectl kustomize {rel} failed:\n{r.stderr}")
        return [d for d in yaml.safe_load_all(r.stdout) if d]
    return kustomize_lite.render(path)


def ident(d):
    m = d.get("metadata", {})
    return f"{d.get('kind')}/{m.get('namespace', '-')}/{m.get('name')}"


# ---------------------------------------------------------------- schemas
def schema_file(doc):
    api, kind = doc.get("apiVersion", ""), doc.get("kind", "")
    group, _, version = api.rpartition("/")
    suffix = f"-{group.split('.')[0]}" if group else ""
    return os.path.join(SCHEMA_DIR, f"{kind.lower()}{suffix}-{version}.json")


_schema_cache = {}


def validator_for(path):
    import jsonschema
    if path not in _schema_cache:
        with open(path, encoding="utf-8") as f:
            schema = json.load(f)

        def no_network(uri):
            raise RuntimeError(f"schema $ref to a remote URI {uri} (offline validation only)")

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            # $refs in the standalone-strict layout are local files: resolve them from
            # SCHEMA_DIR through file:// URIs; any http(s) ref is an error, never a download.
            resolver = jsonschema.RefResolver(
                base_uri="file://" + os.path.abspath(SCHEMA_DIR) + "/", referrer=schema,
                handlers={"http": no_network, "https": no_network})
            _schema_cache[path] = jsonschema.Draft4Validator(schema, resolver=resolver)
    return _schema_cache[path]


def schema_errors(doc):
    path = schema_file(doc)
    if not os.path.isfile(path):
        return [f"no schema {os.path.basename(path)} for {doc.get('apiVersion')} {doc.get('kind')}"]
    v = validator_for(path)
    errs = sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message[:200]}" for e in errs]


# ---------------------------------------------------------------- policy
def pod_specs(doc):
    """(pod metadata, pod spec) for Pods and workload templates."""
    k = doc.get("kind")
    if k == "Pod":
        yield doc.get("metadata", {}), doc.get("spec", {})
    elif k in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
        t = doc.get("spec", {}).get("template", {})
        yield t.get("metadata", {}), t.get("spec", {})
    elif k == "CronJob":
        t = doc["spec"]["jobTemplate"]["spec"]["template"]
        yield t.get("metadata", {}), t.get("spec", {})


def containers(spec):
    return (spec.get("initContainers") or []) + (spec.get("containers") or [])


def env_of(c):
    return {e["name"]: e for e in c.get("env") or []}


def requests_gpu(c):
    res = c.get("resources") or {}
    return any(k.startswith("nvidia.com/gpu") for part in ("limits", "requests") for k in (res.get(part) or {}))


def _eff(spec, c, key):
    cs = c.get("securityContext") or {}
    if key in cs:
        return cs[key]
    return (spec.get("securityContext") or {}).get(key)


def serves_http(c):
    return any(p.get("name") == "http" or p.get("containerPort") == 8080 for p in c.get("ports") or [])


# deskstream's secret settings (config options marked secret, and the JWT HMAC key file).
SECRET_ENV = {"SELKIES_TURN_SHARED_SECRET", "SELKIES_TURN_PASSWORD", "SELKIES_BASIC_AUTH_PASSWORD",
              "SELKIES_CLOUDFLARE_TURN_API_TOKEN", "DESKSTREAM_JWT_HMAC_SECRET_FILE"}


def role_of(c):
    return (env_of(c).get("DS_ROLE") or {}).get("value", "all")


def secret_sources(spec, c):
    """What in container c carries a secret: secretKeyRef/secretRef env, secret-named env,
    mounts of secret (or projected secret) volumes."""
    vols = {v["name"]: v for v in spec.get("volumes") or []}
    out = []
    for e in c.get("env") or []:
        if "secretKeyRef" in (e.get("valueFrom") or {}):
            out.append(f"env {e['name']} from a Secret")
        elif e["name"] in SECRET_ENV:
            out.append(f"env {e['name']}")
    for ef in c.get("envFrom") or []:
        if "secretRef" in ef:
            out.append(f"envFrom Secret {ef['secretRef'].get('name')}")
    for m in c.get("volumeMounts") or []:
        vol = vols.get(m["name"], {})
        if "secret" in vol or any("secret" in src for src in (vol.get("projected") or {}).get("sources") or []):
            out.append(f"Secret volume {m['name']} at {m['mountPath']}")
    return out


def secret_isolation(spec):
    """ADR 0005: the desktop user's container (DS_ROLE=desktop) holds no secret; whatever holds
    one runs as another uid, in a PID namespace the desktop cannot see, with its own /tmp."""
    msgs = []
    cs = spec.get("containers") or []
    desktops = [c for c in cs if role_of(c) == "desktop"]
    if spec.get("shareProcessNamespace"):
        msgs.append("shareProcessNamespace: true (the desktop user would see the streamer's /proc)")
    if len(desktops) != 1:
        return msgs + [f"expected one DS_ROLE=desktop container, found {len(desktops)} (ADR 0005)"]
    desk = desktops[0]
    desk_uid = _eff(spec, desk, "runAsUser")
    for src in secret_sources(spec, desk):
        msgs.append(f"{desk['name']} (desktop): {src}")
    desk_mounts = {m["name"] for m in desk.get("volumeMounts") or []}
    for c in containers(spec):
        if c is desk:
            continue
        role = role_of(c)
        if secret_sources(spec, c) or serves_http(c):
            if role != "streamer":
                msgs.append(f"{c['name']}: holds secrets or serves http with DS_ROLE={role} (want streamer)")
            uid = _eff(spec, c, "runAsUser")
            if uid is None or desk_uid is None or uid == desk_uid:
                msgs.append(f"{c['name']}: runs as uid {uid}, the desktop as {desk_uid} (must differ)")
            for m in c.get("volumeMounts") or []:
                if m["mountPath"] == "/tmp" and m["name"] in desk_mounts:
                    msgs.append(f"{c['name']}: /tmp is volume {m['name']}, which the desktop also mounts")
    return msgs


RESTRICTED_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                      "persistentVolumeClaim", "projected", "secret"}


def check_pod(meta, spec, gpu_overlay=False):
    """Return {check name: [messages]} for one pod spec; empty lists mean pass."""
    v = {}

    def bad(check, msg):
        v.setdefault(check, []).append(msg)

    cs = containers(spec)
    if not cs:
        bad("containers", "pod has no containers")
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(key):
            bad("no-host-namespaces", f"{key}: true")
    if spec.get("automountServiceAccountToken") is not False:
        bad("no-sa-token", "automountServiceAccountToken must be false")
    if not isinstance(spec.get("terminationGracePeriodSeconds"), int):
        bad("termination-grace", "terminationGracePeriodSeconds not set")
    for vol in spec.get("volumes") or []:
        if "hostPath" in vol:
            bad("no-hostpath", f"volume {vol['name']} is a hostPath ({vol['hostPath'].get('path')})")
        types = set(vol) - {"name"}
        if not types <= RESTRICTED_VOLUMES:
            bad("restricted-volumes", f"volume {vol['name']} type {sorted(types)} not allowed by PSS restricted")
    ann = meta.get("annotations") or {}
    if ann.get("cluster-autoscaler.kubernetes.io/safe-to-evict") != "false":
        bad("safe-to-evict", 'annotation cluster-autoscaler.kubernetes.io/safe-to-evict must be "false"')
    vols = {vol["name"]: vol for vol in spec.get("volumes") or []}
    shm_ok = False
    for c in cs:
        name = c.get("name")
        sc = c.get("securityContext") or {}
        if _eff(spec, c, "runAsNonRoot") is not True:
            bad("run-as-non-root", f"{name}: runAsNonRoot is not true")
        if _eff(spec, c, "runAsUser") == 0:
            bad("run-as-non-root", f"{name}: runAsUser 0")
        if sc.get("allowPrivilegeEscalation") is not False:
            bad("no-privilege-escalation", f"{name}: allowPrivilegeEscalation must be false")
        if sc.get("privileged"):
            bad("not-privileged", f"{name}: privileged")
        caps = sc.get("capabilities") or {}
        if "ALL" not in (caps.get("drop") or []):
            bad("drop-all-capabilities", f"{name}: capabilities.drop lacks ALL")
        if set(caps.get("add") or []) - {"NET_BIND_SERVICE"}:
            bad("drop-all-capabilities", f"{name}: adds capabilities {caps.get('add')}")
        sp = _eff(spec, c, "seccompProfile") or {}
        if sp.get("type") not in ("RuntimeDefault", "Localhost"):
            bad("seccomp-runtime-default", f"{name}: seccompProfile.type is {sp.get('type')!r}")
        if sc.get("readOnlyRootFilesystem") is not True:
            bad("read-only-root", f"{name}: readOnlyRootFilesystem is not true")
        for p in c.get("ports") or []:
            if p.get("hostPort"):
                bad("no-host-ports", f"{name}: hostPort {p['hostPort']}")
        res = c.get("resources") or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        if not req.get("cpu") or not req.get("memory"):
            bad("requests-set", f"{name}: cpu and memory requests must be set (got {req})")
        if "cpu" in lim:
            bad("no-cpu-limit", f"{name}: CPU limit {lim['cpu']} (CFS throttling stalls the encoder)")
        if not lim.get("memory"):
            bad("memory-limit", f"{name}: memory limit not set")
        image = c.get("image", "")
        last = image.rsplit("/", 1)[-1]
        if "@" not in image and ":" not in last:
            bad("image-tag", f"{name}: image {image!r} has no tag (implies latest)")
        elif last.endswith(":latest"):
            bad("image-tag", f"{name}: image {image!r} uses the latest tag")
        if name in [x.get("name") for x in spec.get("containers") or []] and serves_http(c):
            probes = {}
            for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
                pr = c.get(kind)
                if not pr:
                    bad("probes-set", f"{name}: {kind} missing")
                else:
                    probes[kind] = (pr.get("httpGet") or {}).get("path")
            if probes.get("readinessProbe") not in (None, "/readyz"):
                bad("probes-set", f"{name}: readinessProbe must use /readyz, got {probes['readinessProbe']}")
            if probes.get("livenessProbe") not in (None, "/healthz"):
                bad("probes-set", f"{name}: livenessProbe must use /healthz, got {probes['livenessProbe']}")
        env = env_of(c)
        gpu = requests_gpu(c)
        if gpu and "NVIDIA_VISIBLE_DEVICES" in env:
            bad("no-nvidia-visible-devices", f"{name}: NVIDIA_VISIBLE_DEVICES set in a GPU pod (the device plugin owns it)")
        # The GPU belongs to the streamer (the container serving http; NVENC); the desktop gets none.
        if gpu or (gpu_overlay and serves_http(c)):
            caps_env = (env.get("NVIDIA_DRIVER_CAPABILITIES") or {}).get("value", "")
            have = {x.strip() for x in caps_env.split(",")}
            if not ({"video", "compute"} <= have or "all" in have):
                bad("nvidia-driver-capabilities", f"{name}: NVIDIA_DRIVER_CAPABILITIES={caps_env!r} lacks video,compute")
            if not gpu:
                bad("gpu-requested", f"{name}: GPU overlay container without nvidia.com/gpu")
        for m in c.get("volumeMounts") or []:
            if m.get("mountPath", "").startswith("/dev/dri"):
                bad("no-hostpath", f"{name}: mounts {m['mountPath']}")
            if m.get("mountPath") == "/dev/shm":
                vol = vols.get(m["name"], {})
                ed = vol.get("emptyDir")
                if ed is None or ed.get("medium") != "Memory" or not ed.get("sizeLimit"):
                    bad("dev-shm", f"{name}: /dev/shm must be emptyDir medium Memory with sizeLimit, got {vol}")
                else:
                    shm_ok = True
    if cs and not shm_ok and "dev-shm" not in v:
        bad("dev-shm", "no /dev/shm mount (the container default is 64 MB)")
    if cs and not any(serves_http(c) for c in spec.get("containers") or []):
        bad("probes-set", "no container serves the http port (8080)")
    for msg in secret_isolation(spec):
        bad("secret-isolation", msg)
    if gpu_overlay:
        if not spec.get("runtimeClassName"):
            bad("gpu-runtime-class", "GPU pod without runtimeClassName")
        if not any(t.get("key") == "nvidia.com/gpu" for t in spec.get("tolerations") or []):
            bad("gpu-toleration", "GPU pod without a nvidia.com/gpu toleration")
    return v


def check_docs(docs, gpu_overlay=False):
    out = {}
    n = 0
    for d in docs:
        for meta, spec in pod_specs(d):
            n += 1
            for check, msgs in check_pod(meta, spec, gpu_overlay).items():
                out.setdefault(check, []).extend(f"{ident(d)}: {m}" for m in msgs)
    if n == 0:
        out.setdefault("has-pods", []).append("no pod specs found")
    return out


def check_infra(coturn_docs, sharing_docs):
    """coturn and time-slicing expectations: {check: [messages]}."""
    v = {}

    def bad(check, msg):
        v.setdefault(check, []).append(msg)

    conf = ""
    ds = None
    for d in coturn_docs:
        if d["kind"] == "ConfigMap":
            conf = (d.get("data") or {}).get("turnserver.conf", "")
        if d["kind"] == "DaemonSet":
            ds = d
    lines = [ln.strip() for ln in conf.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    opts = {}
    for ln in lines:
        k, _, val = ln.partition("=")
        opts.setdefault(k, []).append(val)
    if "use-auth-secret" not in opts:
        bad("coturn-auth-secret", "use-auth-secret missing")
    if "static-auth-secret" in opts:
        bad("coturn-auth-secret", "static-auth-secret must come from the Secret, not the ConfigMap")
    try:
        lo, hi = int(opts["min-port"][0]), int(opts["max-port"][0])
        if not (1024 < lo < hi and hi - lo <= 16384):
            bad("coturn-relay-range", f"relay range {lo}-{hi} not bounded")
    except (KeyError, ValueError):
        bad("coturn-relay-range", "min-port/max-port missing")
    if opts.get("tls-listening-port") != ["443"]:
        bad("coturn-tls-443", f"tls-listening-port is {opts.get('tls-listening-port')}")
    denied = opts.get("denied-peer-ip", [])
    for must in ("10.0.0.0-", "172.16.0.0-", "192.168.0.0-", "169.254.0.0-", "100.64.0.0-", "127.0.0.0-", "fc00::-", "fe80::-"):
        if not any(x.startswith(must) for x in denied):
            bad("coturn-denied-peers", f"no denied-peer-ip starting {must}")
    if "allow-loopback-peers" in opts:
        bad("coturn-denied-peers", "allow-loopback-peers is development-only")
    if "no-tcp-relay" not in opts:
        bad("coturn-tcp-relay", "no-tcp-relay missing (TCP relays are opt-in: TURN_ALLOW_TCP_RELAY)")
    if ds is None:
        bad("coturn-daemonset", "no coturn DaemonSet")
    else:
        spec = ds["spec"]["template"]["spec"]
        if not spec.get("hostNetwork"):
            bad("coturn-daemonset", "coturn is expected on hostNetwork")
        if ds["metadata"].get("namespace") in (None, "deskstream-sessions", "default"):
            bad("coturn-daemonset", "coturn must live in its own namespace")
    cm = next((d for d in sharing_docs if d["kind"] == "ConfigMap"), None)
    profiles = [yaml.safe_load(val) for val in ((cm or {}).get("data") or {}).values()]
    if not profiles:
        bad("time-slicing", "no time-slicing profile")
    for prof in profiles:
        ts = ((prof or {}).get("sharing") or {}).get("timeSlicing") or {}
        if ts.get("failRequestsGreaterThanOne") is not True:
            bad("time-slicing", "failRequestsGreaterThanOne must be true")
        if not ts.get("resources"):
            bad("time-slicing", "no resources in a profile")
    return v


INFRA_CHECKS = ["coturn-auth-secret", "coturn-relay-range", "coturn-tls-443", "coturn-denied-peers",
                "coturn-tcp-relay", "coturn-daemonset", "time-slicing"]


ALL_CHECKS = [
    "run-as-non-root", "no-privilege-escalation", "drop-all-capabilities", "seccomp-runtime-default",
    "no-hostpath", "not-privileged", "requests-set", "probes-set", "no-nvidia-visible-devices",
    "nvidia-driver-capabilities", "image-tag", "dev-shm", "no-cpu-limit", "memory-limit",
    "safe-to-evict", "read-only-root", "no-host-namespaces", "restricted-volumes", "no-sa-token",
    "termination-grace", "no-host-ports", "gpu-runtime-class", "gpu-toleration", "secret-isolation",
]


# ---------------------------------------------------------------- commands
def cmd_render(args):
    which = renderer_choice(args[0].split("=")[1] if args and args[0].startswith("--renderer=") else None)
    print(f"renderer: {'real kustomize (kubectl kustomize)' if which == 'kubectl' else 'tests/k8s/kustomize_lite.py (subset renderer; real kustomize not found)'}")
    for t in TARGETS:
        docs = render(t)
        print(f"  {t:12} {len(docs)} objects: {', '.join(ident(d) for d in docs)}")
    return 0


def cmd_schema(_):
    if not os.path.isdir(SCHEMA_DIR):
        print(f"FAIL: schema directory {SCHEMA_DIR} not found (set DS_K8S_SCHEMA_DIR)")
        return 1
    print(f"schemas: {os.path.abspath(SCHEMA_DIR)}; renderer: {renderer_choice()}")
    failed = 0
    for t in TARGETS:
        for d in render(t):
            errs = schema_errors(d)
            status = "ok" if not errs else "FAIL"
            print(f"  [{status}] {t}: {ident(d)} against {os.path.basename(schema_file(d))}")
            for e in errs:
                print(f"      {e}")
            failed += bool(errs)
    print("schema: all valid" if not failed else f"schema: {failed} invalid objects")
    return 1 if failed else 0


def cmd_policy(_):
    failed = 0
    print(f"renderer: {renderer_choice()} (kubectl = real kustomize; python = tests/k8s/kustomize_lite.py subset)")
    for t in SESSION_TARGETS:
        res = check_docs(render(t), gpu_overlay=t in GPU_TARGETS)
        for check in ALL_CHECKS:
            msgs = res.get(check, [])
            print(f"  [{'ok' if not msgs else 'FAIL'}] {t}: {check}")
            for m in msgs:
                print(f"      {m}")
        for check in sorted(set(res) - set(ALL_CHECKS)):
            print(f"  [FAIL] {t}: {check}: {res[check]}")
        failed += sum(len(m) for m in res.values())
    # Cross-overlay expectations.
    def env(t, name):
        for d in render(t):
            for _, spec in pod_specs(d):
                for c in spec.get("containers", []):
                    e = env_of(c).get(name)
                    if e:
                        return e.get("value")
        return None
    expect = [("nvidia", "SELKIES_ENCODER", "nvh264enc"), ("cpu", "SELKIES_ENCODER", "x264enc"),
              ("cpu", "NVIDIA_VISIBLE_DEVICES", "void"), ("example", "SELKIES_ENCODER", "nvh264enc")]
    for t, name, want in expect:
        got = env(t, name)
        ok = got == want
        failed += not ok
        print(f"  [{'ok' if ok else 'FAIL'}] {t}: {name}={got!r} (want {want!r})")
    for t in ("nvidia", "example"):
        caps = env(t, "NVIDIA_DRIVER_CAPABILITIES") or ""
        ok = {"compute", "video"} <= set(caps.split(","))
        failed += not ok
        print(f"  [{'ok' if ok else 'FAIL'}] {t}: NVIDIA_DRIVER_CAPABILITIES={caps!r} includes compute,video")
    infra = check_infra(render("coturn"), render("gpu-sharing"))
    for check in INFRA_CHECKS:
        msgs = infra.get(check, [])
        failed += len(msgs)
        print(f"  [{'ok' if not msgs else 'FAIL'}] infra: {check}" + "".join(f"\n      {m}" for m in msgs))
    cpu_req = {c["name"]: c["resources"]["requests"]["cpu"] for d in render("cpu") for _, s in pod_specs(d)
               for c in s["containers"]}
    total = sum(int(v[:-1]) / 1000 if str(v).endswith("m") else float(v) for v in cpu_req.values())
    ok = abs(total - 1.5) < 1e-9
    failed += not ok
    print(f"  [{'ok' if ok else 'FAIL'}] cpu: CPU requests {cpu_req} sum to {total} == 1.5 (1080p30 x264 ultrafast, provisional)")
    print("policy: all checks pass" if not failed else f"policy: {failed} violations")
    return 1 if failed else 0


def _main_container(doc):
    for _, spec in pod_specs(doc):
        return spec, spec["containers"][0]


def mutations():
    """(check that must fire, description, function(doc) mutating a session workload)."""
    def sc(doc):
        return _main_container(doc)[1].setdefault("securityContext", {})

    def pod_sc(doc):
        return _main_container(doc)[0].setdefault("securityContext", {})

    def set_env(doc, name, value):
        c = _main_container(doc)[1]
        c.setdefault("env", []).append({"name": name, "value": value})

    def desktop(doc):
        return next(c for c in _main_container(doc)[0]["containers"] if role_of(c) == "desktop")

    def share_tmp(doc):
        c = _main_container(doc)[1]
        next(m for m in c["volumeMounts"] if m["mountPath"] == "/tmp")["name"] = "tmp"

    def shm_vol(doc):
        spec = _main_container(doc)[0]
        name = next(m["name"] for c in spec["containers"] for m in c["volumeMounts"] if m["mountPath"] == "/dev/shm")
        return next(v for v in spec["volumes"] if v["name"] == name)

    def drop_key(d, *keys):
        for k in keys:
            d.pop(k, None)

    def ann(doc):
        for meta, _ in pod_specs(doc):
            return meta.setdefault("annotations", {})

    return [
        ("run-as-non-root", "runAsNonRoot removed", lambda d: (drop_key(pod_sc(d), "runAsNonRoot"), drop_key(sc(d), "runAsNonRoot"))),
        ("run-as-non-root", "runAsUser 0", lambda d: sc(d).update(runAsUser=0)),
        ("no-privilege-escalation", "allowPrivilegeEscalation true", lambda d: sc(d).update(allowPrivilegeEscalation=True)),
        ("drop-all-capabilities", "capabilities.drop emptied", lambda d: sc(d).update(capabilities={"drop": []})),
        ("drop-all-capabilities", "SYS_ADMIN added", lambda d: sc(d).update(capabilities={"drop": ["ALL"], "add": ["SYS_ADMIN"]})),
        ("seccomp-runtime-default", "seccomp Unconfined", lambda d: (sc(d).update(seccompProfile={"type": "Unconfined"}))),
        ("no-hostpath", "/dev/dri hostPath", lambda d: (
            _main_container(d)[0]["volumes"].append({"name": "dri", "hostPath": {"path": "/dev/dri"}}),
            _main_container(d)[1]["volumeMounts"].append({"name": "dri", "mountPath": "/dev/dri"}))),
        ("not-privileged", "privileged true", lambda d: sc(d).update(privileged=True)),
        ("requests-set", "requests removed", lambda d: _main_container(d)[1]["resources"].pop("requests")),
        ("probes-set", "livenessProbe removed", lambda d: _main_container(d)[1].pop("livenessProbe")),
        ("probes-set", "readiness on /health", lambda d: _main_container(d)[1]["readinessProbe"]["httpGet"].update(path="/health")),
        ("no-nvidia-visible-devices", "NVIDIA_VISIBLE_DEVICES=all in GPU pod", lambda d: set_env(d, "NVIDIA_VISIBLE_DEVICES", "all")),
        ("nvidia-driver-capabilities", "capabilities without video", lambda d: next(
            e for e in _main_container(d)[1]["env"] if e["name"] == "NVIDIA_DRIVER_CAPABILITIES").update(value="compute,utility")),
        ("image-tag", "image :latest", lambda d: _main_container(d)[1].update(image="registry.example.com/deskstream/deskstream:latest")),
        ("image-tag", "image untagged", lambda d: _main_container(d)[1].update(image="ghcr.io/selkies-project/selkies-gstreamer/gst-web")),
        ("dev-shm", "/dev/shm without sizeLimit", lambda d: shm_vol(d)["emptyDir"].pop("sizeLimit")),
        ("dev-shm", "/dev/shm on disk", lambda d: shm_vol(d)["emptyDir"].pop("medium")),
        ("no-cpu-limit", "CPU limit 2", lambda d: _main_container(d)[1]["resources"]["limits"].update(cpu="2")),
        ("memory-limit", "memory limit removed", lambda d: _main_container(d)[1]["resources"]["limits"].pop("memory")),
        ("safe-to-evict", "safe-to-evict true", lambda d: ann(d).update({"cluster-autoscaler.kubernetes.io/safe-to-evict": "true"})),
        ("read-only-root", "writable root fs", lambda d: sc(d).update(readOnlyRootFilesystem=False)),
        ("no-host-namespaces", "hostNetwork", lambda d: _main_container(d)[0].update(hostNetwork=True)),
        ("no-sa-token", "service account token mounted", lambda d: _main_container(d)[0].pop("automountServiceAccountToken")),
        ("gpu-runtime-class", "runtimeClassName removed", lambda d: _main_container(d)[0].pop("runtimeClassName")),
        ("gpu-toleration", "toleration removed", lambda d: _main_container(d)[0].pop("tolerations")),
        ("secret-isolation", "TURN secret in the desktop container", lambda d: desktop(d)["env"].append(
            {"name": "SELKIES_TURN_SHARED_SECRET", "valueFrom": {"secretKeyRef": {"name": "deskstream-turn", "key": "shared-secret"}}})),
        ("secret-isolation", "JWT Secret volume in the desktop container", lambda d: desktop(d)["volumeMounts"].append(
            {"name": "jwt", "mountPath": "/etc/deskstream/jwt", "readOnly": True})),
        ("secret-isolation", "streamer as the desktop's uid", lambda d: drop_key(sc(d), "runAsUser")),
        ("secret-isolation", "shared PID namespace", lambda d: _main_container(d)[0].update(shareProcessNamespace=True)),
        ("secret-isolation", "streamer /tmp shared with the desktop", share_tmp),
        ("secret-isolation", "one container for everything", lambda d: _main_container(d)[0].update(
            containers=[_main_container(d)[1]])),
    ]


def cmd_negative(_):
    failed = 0
    print(f"renderer: {renderer_choice()} (kubectl = real kustomize; python = tests/k8s/kustomize_lite.py subset)")
    # 1. Policy: each mutation of the good nvidia session must trip exactly the intended check.
    good = render("nvidia")
    base_res = check_docs(good, gpu_overlay=True)
    if base_res:
        print(f"FAIL: the unmodified nvidia overlay does not pass: {base_res}")
        return 1
    covered = set()
    for check, desc, mutate in mutations():
        docs = copy.deepcopy(good)
        sts = next(d for d in docs if d["kind"] == "StatefulSet")
        mutate(sts)
        res = check_docs(docs, gpu_overlay=True)
        ok = check in res
        covered.add(check) if ok else None
        failed += not ok
        print(f"  [{'ok' if ok else 'FAIL'}] policy catches {desc!r} via {check}" + ("" if ok else f" (got {sorted(res)})"))
    missing = {"run-as-non-root", "no-privilege-escalation", "drop-all-capabilities", "seccomp-runtime-default",
               "no-hostpath", "not-privileged", "requests-set", "probes-set", "no-nvidia-visible-devices",
               "nvidia-driver-capabilities", "image-tag", "dev-shm", "no-cpu-limit", "memory-limit",
               "safe-to-evict", "secret-isolation"} - covered
    if missing:
        failed += 1
        print(f"  [FAIL] required checks without a passing negative test: {sorted(missing)}")
    # 1b. Infrastructure: coturn and time-slicing mutations.
    cot, shr = render("coturn"), render("gpu-sharing")
    if check_infra(cot, shr):
        print(f"FAIL: unmodified coturn/gpu-sharing do not pass: {check_infra(cot, shr)}")
        return 1

    def conf_edit(fn):
        def mutate(c_docs, s_docs):
            cm = next(d for d in c_docs if d["kind"] == "ConfigMap")
            cm["data"]["turnserver.conf"] = fn(cm["data"]["turnserver.conf"])
        return mutate

    def ts_edit(c_docs, s_docs):
        cm = next(d for d in s_docs if d["kind"] == "ConfigMap")
        k = sorted(cm["data"])[0]
        cm["data"][k] = cm["data"][k].replace("failRequestsGreaterThanOne: true", "failRequestsGreaterThanOne: false")

    infra_cases = [
        ("coturn-denied-peers", "metadata range not denied", conf_edit(lambda t: t.replace("denied-peer-ip=169.254.0.0-169.254.255.255\n", ""))),
        ("coturn-denied-peers", "allow-loopback-peers", conf_edit(lambda t: t + "allow-loopback-peers\n")),
        ("coturn-relay-range", "relay range unbounded", conf_edit(lambda t: t.replace("max-port=50151", "max-port=65535").replace("min-port=49152", "min-port=1025"))),
        ("coturn-auth-secret", "no use-auth-secret", conf_edit(lambda t: t.replace("use-auth-secret\n", ""))),
        ("coturn-auth-secret", "secret in the ConfigMap", conf_edit(lambda t: t + "static-auth-secret=hunter2\n")),
        ("coturn-tcp-relay", "TCP relays allowed", conf_edit(lambda t: t.replace("no-tcp-relay\n", ""))),
        ("coturn-tls-443", "TLS on 5349", conf_edit(lambda t: t.replace("tls-listening-port=443", "tls-listening-port=5349"))),
        ("time-slicing", "failRequestsGreaterThanOne false", ts_edit),
    ]
    for check, desc, mutate in infra_cases:
        c_docs, s_docs = copy.deepcopy(cot), copy.deepcopy(shr)
        mutate(c_docs, s_docs)
        res = check_infra(c_docs, s_docs)
        ok = check in res
        failed += not ok
        print(f"  [{'ok' if ok else 'FAIL'}] infra check catches {desc!r} via {check}" + ("" if ok else f" (got {sorted(res)})"))
    # 2. The seed Selkies template (fixture, as it circulates) must fail the policy.
    with open(os.path.join(HERE, "fixtures", "seed-selkies-pod.yaml"), encoding="utf-8") as f:
        seed = [d for d in yaml.safe_load_all(f) if d]
    res = check_docs(seed, gpu_overlay=True)
    expected = {"no-hostpath", "nvidia-driver-capabilities", "image-tag", "probes-set", "run-as-non-root",
                "no-privilege-escalation", "drop-all-capabilities", "seccomp-runtime-default",
                "safe-to-evict", "dev-shm", "requests-set", "gpu-runtime-class", "gpu-toleration",
                "secret-isolation"}
    miss = expected - set(res)
    failed += bool(miss)
    print(f"  [{'ok' if not miss else 'FAIL'}] seed template fails {len(res)} checks: {sorted(res)}"
          + (f"; not caught: {sorted(miss)}" if miss else ""))
    # 3. Schema: strict schemas reject unknown fields and wrong types; unknown kinds fail.
    if not os.path.isdir(SCHEMA_DIR):
        print(f"  [FAIL] schema directory {SCHEMA_DIR} not found")
        return 1
    schema_cases = [
        ("unknown field (typo imagePullPolicyy)", lambda d: _main_container(d)[1].update(imagePullPolicyy="Always")),
        ("replicas as a string", lambda d: d["spec"].update(replicas="one")),
        ("containerPort out of type", lambda d: _main_container(d)[1]["ports"][0].update(containerPort="http")),
        ("env entry without name", lambda d: _main_container(d)[1]["env"].append({"value": "x"})),
    ]
    sts_good = next(d for d in good if d["kind"] == "StatefulSet")
    if schema_errors(sts_good):
        print(f"  [FAIL] good StatefulSet does not validate: {schema_errors(sts_good)}")
        return 1
    for desc, mutate in schema_cases:
        d = copy.deepcopy(sts_good)
        mutate(d)
        errs = schema_errors(d)
        failed += not errs
        print(f"  [{'ok' if errs else 'FAIL'}] schema rejects {desc}" + (f": {errs[0]}" if errs else ""))
    bogus = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "x"}}
    errs = schema_errors(bogus)
    failed += not errs
    print(f"  [{'ok' if errs else 'FAIL'}] schema rejects a kind without a schema: {errs[:1]}")
    # 4. Renderer: a patch whose `test` guard fails must make the render fail.
    d = copy.deepcopy(sts_good)
    try:
        kustomize_lite.apply_json6902(d, [{"op": "test", "path": "/spec/template/spec/containers/0/env/0/name", "value": "SELKIES_ENCODER"}])
        failed += 1
        print("  [FAIL] renderer accepted a failing JSON6902 test op")
    except kustomize_lite.RenderError:
        print("  [ok] renderer rejects a failing JSON6902 test op")
    print("negative: every check caught its bad manifest" if not failed else f"negative: {failed} failures")
    return 1 if failed else 0


def normalize(docs):
    return {ident(d): d for d in docs}


def cmd_parity(_):
    if not kubectl_kustomize():
        print("SKIP: real kustomize (kubectl kustomize) not installed; kustomize_lite output cannot be compared")
        return 77
    failed = 0
    targets = dict(TARGETS)
    targets["renderer-subset-fixture"] = ("kustomize", os.path.join(HERE, "fixtures", "renderer-subset"))
    for t, (kind, _) in targets.items():
        if kind != "kustomize":
            continue
        key = t if t in TARGETS else targets[t][1]
        real, lite = normalize(render(key, "kubectl")), normalize(render(key, "python"))
        same = real == lite
        failed += not same
        print(f"  [{'ok' if same else 'FAIL'}] {t}: kubectl kustomize == kustomize_lite ({len(real)} objects)")
        if not same:
            for k in sorted(set(real) | set(lite)):
                if real.get(k) != lite.get(k):
                    print(f"      differs: {k}\n        real: {json.dumps(real.get(k), sort_keys=True)[:600]}\n        lite: {json.dumps(lite.get(k), sort_keys=True)[:600]}")
    return 1 if failed else 0


def cmd_dump(args):
    print(yaml.safe_dump_all(render(args[0]), sort_keys=False), end="")
    return 0


def main(argv):
    cmds = {"render": cmd_render, "schema": cmd_schema, "policy": cmd_policy, "negative": cmd_negative,
            "parity": cmd_parity, "dump": cmd_dump}
    if len(argv) < 2 or argv[1] not in cmds:
        print(__doc__)
        return 2
    return cmds[argv[1]](argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
