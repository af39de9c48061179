#!/usr/bin/env python3
"""Translate a rendered session pod spec (deploy/kubernetes) into a `podman run` command.

  podspec.py <cpu|nvidia|example> --port N --workdir DIR [--image IMG] [--env K=V ...]
      prints a JSON object: {"args": [...podman run args...], "grace": s, "probes": {...},
                             "name": container name, "env": {...}}

What is reproduced from the pod: env (literal values; secretKeyRef from test values;
fieldRef metadata.labels[...] from the pod's labels), runAsUser/runAsGroup/fsGroup,
readOnlyRootFilesystem (--read-only, no implicit tmpfs), capabilities drop ALL,
allowPrivilegeEscalation false (no-new-privileges), emptyDir volumes (Memory ones as tmpfs
with their sizeLimit, disk ones as fresh 0777 host folders), the PVC as a host folder owned
by the pod user, secret volumes as read-only folders with test content, the memory limit,
the container port published on 127.0.0.1:<port>. The image is replaced by the locally built
one (default localhost/deskstream:dev).
"""
import argparse
import json
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "k8s"))
import k8s_check  # noqa: E402

# Values the test stands in for Kubernetes Secrets (never real secrets).
TEST_SECRETS = {
    ("deskstream-turn", "shared-secret"): "test-turn-shared-secret",
    ("selkies-auth", "password"): "test-basic-auth-password",
}


def quantity_bytes(q):
    m = re.fullmatch(r"(\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?", str(q))
    if not m:
        raise ValueError(f"unsupported quantity {q}")
    mult = {None: 1, "Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40,
            "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}[m.group(2)]
    return int(m.group(1)) * mult


def session_pod(target):
    for d in k8s_check.render(target):
        for meta, spec in k8s_check.pod_specs(d):
            return meta, spec
    raise SystemExit(f"no pod in {target}")


def test_public_key(path, private_path):
    """A throwaway EC P-256 key pair: the public half (PEM) for DESKSTREAM_JWT_PUBLIC_KEY_FILE
    inside the container, the private half kept outside it (private_path) so a test can mint
    tokens (`deskstream token --key <private_path> ...`, docs/access.md)."""
    subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", private_path],
                   check=True, capture_output=True)
    subprocess.run(["openssl", "ec", "-in", private_path, "-pubout", "-out", path], check=True, capture_output=True)


def build(target, port, workdir, image, extra_env, metrics_port=None):
    meta, spec = session_pod(target)
    c = spec["containers"][0]
    psc, csc = spec.get("securityContext") or {}, c.get("securityContext") or {}
    uid = csc.get("runAsUser", psc.get("runAsUser"))
    gid = csc.get("runAsGroup", psc.get("runAsGroup"))
    fs_group = psc.get("fsGroup")
    name = f"ds-pod-{target}-{port}"
    args = ["run", "-d", "--name", name, "--hostname", meta.get("name", name)]
    if uid is not None:
        args += ["--user", f"{uid}:{gid if gid is not None else uid}"]
    if fs_group is not None:
        args += ["--group-add", str(fs_group)]
    if csc.get("readOnlyRootFilesystem"):
        args += ["--read-only", "--read-only-tmpfs=false"]
    if "ALL" in ((csc.get("capabilities") or {}).get("drop") or []):
        args += ["--cap-drop=ALL"]
    for cap in (csc.get("capabilities") or {}).get("add") or []:
        args += [f"--cap-add={cap}"]
    if csc.get("allowPrivilegeEscalation") is False:
        args += ["--security-opt", "no-new-privileges"]
    mem = ((c.get("resources") or {}).get("limits") or {}).get("memory")
    if mem and os.environ.get("DS_POD_NO_MEMORY_LIMIT") != "1":
        args += ["--memory", str(quantity_bytes(mem))]
    # env
    labels = meta.get("labels") or {}
    env = {}
    for e in c.get("env") or []:
        if "value" in e:
            # Kubernetes expands $(VAR) from variables defined earlier in the list; $$ escapes.
            env[e["name"]] = re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
                                    lambda m: "$" if m.group(0) == "$$" else env.get(m.group(1), m.group(0)),
                                    str(e["value"]))
            continue
        vf = e.get("valueFrom") or {}
        if "secretKeyRef" in vf:
            ref = vf["secretKeyRef"]
            v = TEST_SECRETS.get((ref["name"], ref["key"]))
            if v is None:
                if ref.get("optional"):
                    continue
                raise SystemExit(f"no test value for secret {ref['name']}/{ref['key']}")
            env[e["name"]] = v
        elif "fieldRef" in vf:
            m = re.fullmatch(r"metadata\.labels\['(.+)'\]", vf["fieldRef"]["fieldPath"])
            if m:
                env[e["name"]] = labels.get(m.group(1), "")
            elif vf["fieldRef"]["fieldPath"] == "metadata.name":
                env[e["name"]] = meta.get("name", name)
            else:
                raise SystemExit(f"unsupported fieldRef {vf['fieldRef']}")
        else:
            raise SystemExit(f"unsupported env source for {e['name']}: {vf}")
    env.update(extra_env)
    for k, v in env.items():
        args += ["-e", f"{k}={v}"]
    # volumes
    vols = {v["name"]: v for v in spec.get("volumes") or []}
    os.makedirs(workdir, exist_ok=True)
    for m in c.get("volumeMounts") or []:
        vol = vols[m["name"]]
        dest = m["mountPath"]
        ro = ",ro" if m.get("readOnly") else ""
        host = os.path.join(workdir, m["name"])
        if "emptyDir" in vol:
            ed = vol["emptyDir"] or {}
            if ed.get("medium") == "Memory":
                size = quantity_bytes(ed["sizeLimit"]) if ed.get("sizeLimit") else None
                opt = f"type=tmpfs,destination={dest},tmpfs-mode=1777" + (f",tmpfs-size={size}" if size else "")
                args += ["--mount", opt]
            else:
                os.makedirs(host, exist_ok=True)
                os.chmod(host, 0o777)
                args += ["--mount", f"type=bind,source={host},destination={dest}{ro}"]
        elif "persistentVolumeClaim" in vol:
            os.makedirs(host, exist_ok=True)
            os.chown(host, uid or 0, fs_group if fs_group is not None else (gid or 0))
            os.chmod(host, 0o2770)
            args += ["--mount", f"type=bind,source={host},destination={dest}{ro}"]
        elif "secret" in vol:
            os.makedirs(host, exist_ok=True)
            for item in vol["secret"].get("items") or []:
                p = os.path.join(host, item["path"])
                if item["key"].endswith(".pem"):
                    if not os.path.exists(p):
                        test_public_key(p, os.path.join(workdir, "jwt-signing-key.pem"))
                else:
                    with open(p, "w", encoding="utf-8") as f:
                        f.write("test")
                os.chmod(p, 0o444)
            os.chmod(host, 0o755)
            args += ["--mount", f"type=bind,source={host},destination={dest},ro"]
        else:
            raise SystemExit(f"unsupported volume type in {vol}")
    for p in c.get("ports") or []:
        if p.get("name") == "http" or p["containerPort"] == 8080:
            args += ["-p", f"127.0.0.1:{port}:{p['containerPort']}"]
        elif p.get("name") == "metrics" and metrics_port:
            args += ["-p", f"127.0.0.1:{metrics_port}:{p['containerPort']}"]
    args.append(image)
    probes = {}
    for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
        pr = c.get(kind)
        if pr:
            probes[kind] = {
                "path": (pr.get("httpGet") or {}).get("path"),
                "period": pr.get("periodSeconds", 10), "timeout": pr.get("timeoutSeconds", 1),
                "failureThreshold": pr.get("failureThreshold", 3), "initialDelay": pr.get("initialDelaySeconds", 0),
            }
    key = os.path.join(workdir, "jwt-signing-key.pem")
    return {"args": args, "name": name, "signing_key": key if os.path.exists(key) else None, "grace": spec.get("terminationGracePeriodSeconds", 30),
            "probes": probes, "env": env, "uid": uid,
            "metrics_port": metrics_port if any(p.get("name") == "metrics" for p in c.get("ports") or []) else None}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("target", choices=["cpu", "nvidia", "example", "base"])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--image", default=os.environ.get("DS_IMAGE", "localhost/deskstream:dev"))
    ap.add_argument("--env", action="append", default=[])
    a = ap.parse_args()
    extra = dict(x.split("=", 1) for x in a.env)
    print(json.dumps(build(a.target, a.port, a.workdir, a.image, extra)))


if __name__ == "__main__":
    main()
