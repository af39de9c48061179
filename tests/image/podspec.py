#!/usr/bin/env python3
"""Translate a rendered session pod spec (deploy/kubernetes) into podman commands: one
`podman pod` (shared network, IPC and UTS namespaces, not PID, as in Kubernetes) and one
`podman run --pod` per container.

  podspec.py <cpu|nvidia|example|base> --port N --workdir DIR [--image IMG] [--env K=V ...]
      prints the JSON plan (see build())

What is reproduced from the pod: every container with its env (literal values; secretKeyRef
from test values; fieldRef metadata.labels[...] / metadata.name), runAsUser/runAsGroup (pod
default, container override), fsGroup (--group-add, and the group of Secret files),
readOnlyRootFilesystem (--read-only, no implicit tmpfs), capabilities drop ALL,
allowPrivilegeEscalation false (no-new-privileges), each container's memory limit, emptyDir
volumes (Memory ones as tmpfs with their sizeLimit, or as an unsized tmpfs podman volume when
several containers mount them; disk ones as fresh 0777 host folders), readOnly mounts, the PVC as a host
folder owned by the pod user, Secret volumes as folders of root:fsGroup files with the volume's
mode (test content), the container ports published on 127.0.0.1. The image is replaced by the
locally built one (default localhost/deskstream:dev).

Secret values are random per plan (never real secrets) and listed in the plan's "secrets", so a
test can look for them where they must not be.
"""
import argparse
import json
import os
import re
import secrets
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "k8s"))
import k8s_check  # noqa: E402

# Kubernetes Secrets the manifests reference, by (secret name, key): what the test puts there.
# "pem:public" = a throwaway EC P-256 public key (its private half stays outside the pod).
SECRET_KINDS = {
    ("deskstream-turn", "shared-secret"): "random",
    ("selkies-auth", "password"): "random",
    ("deskstream-auth", "jwt-public-key.pem"): "pem:public",
    ("deskstream-auth", "jwt-hmac-secret"): "random",
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


def test_key_pair(public_path, private_path):
    """A throwaway EC P-256 key pair: the public half (PEM) for DESKSTREAM_JWT_PUBLIC_KEY_FILE
    inside the pod, the private half kept outside it (private_path) so a test can mint tokens
    (`deskstream token --key <private_path> ...`, docs/access.md)."""
    subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", private_path],
                   check=True, capture_output=True)
    subprocess.run(["openssl", "ec", "-in", private_path, "-pubout", "-out", public_path], check=True,
                   capture_output=True)


class Secrets:
    """Test values of the pod's Secrets, made on first use."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.values = {}  # "name/key" -> value (text) for everything that is not a public key
        self.signing_key = None  # private half of the JWT public key
        self.hmac_key = None  # host copy of the JWT HMAC secret

    def value(self, name, key):
        kind = SECRET_KINDS.get((name, key))
        if kind is None:
            return None
        ident = f"{name}/{key}"
        if ident not in self.values:
            if kind == "random":
                # Distinctive, so a search for it cannot hit anything else by chance.
                self.values[ident] = f"test-{key}-{secrets.token_hex(16)}"
            else:
                pub = os.path.join(self.workdir, "jwt-public-key.pem")
                self.signing_key = os.path.join(self.workdir, "jwt-signing-key.pem")
                test_key_pair(pub, self.signing_key)
                with open(pub, encoding="utf-8") as f:
                    self.values[ident] = f.read()
            if key == "jwt-hmac-secret":
                self.hmac_key = os.path.join(self.workdir, "jwt-hmac.key")
                with open(self.hmac_key, "w", encoding="utf-8") as f:
                    f.write(self.values[ident])
        return self.values[ident]

    def secret_values(self):
        """The values that are secret (not the public key)."""
        return {k: v for k, v in self.values.items()
                if SECRET_KINDS.get(tuple(k.split("/", 1))) == "random"}


def expand(value, env):
    # Kubernetes expands $(VAR) from variables defined earlier in the list; $$ escapes.
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
                  lambda m: "$" if m.group(0) == "$$" else env.get(m.group(1), m.group(0)), str(value))


def container_env(c, meta, pod_name, sec, extra_env):
    labels = meta.get("labels") or {}
    env = {}
    for e in c.get("env") or []:
        if "value" in e:
            env[e["name"]] = expand(e["value"], env)
            continue
        vf = e.get("valueFrom") or {}
        if "secretKeyRef" in vf:
            ref = vf["secretKeyRef"]
            v = sec.value(ref["name"], ref["key"])
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
                env[e["name"]] = meta.get("name", pod_name)
            else:
                raise SystemExit(f"unsupported fieldRef {vf['fieldRef']}")
        else:
            raise SystemExit(f"unsupported env source for {e['name']}: {vf}")
    for k, v in extra_env.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


def build(target, port, workdir, image, extra_env, metrics_port=None, patch=None, name=None):
    """The plan: {"pod": <name>-pod, "pod_args": [...], "containers": [{"name", "k8s_name", "role",
    "uid", "gid", "args", "env"}...], "volumes": [podman volume names], "name": the http
    container, "desktop": the DS_ROLE=desktop container (or None), "env": the http container's
    env, "uid", "probes", "grace", "signing_key", "hmac_key", "secrets", "metrics_port"}.
    `patch(meta, spec)` may change the rendered pod first (test variants)."""
    meta, spec = session_pod(target)
    if patch:
        patch(meta, spec)
    base = name or f"ds-pod-{target}-{port}"
    pod = f"{base}-pod"
    os.makedirs(workdir, exist_ok=True)
    sec = Secrets(workdir)
    psc = spec.get("securityContext") or {}
    fs_group = psc.get("fsGroup")
    vols = {v["name"]: v for v in spec.get("volumes") or []}
    http_c = next(c for c in spec["containers"] if k8s_check.serves_http(c))
    pod_args = ["pod", "create", "--name", pod, "--hostname", meta.get("name", base), "--share", "ipc,net,uts"]
    for c in spec["containers"]:
        for p in c.get("ports") or []:
            if p.get("name") == "http" or p["containerPort"] == 8080:
                pod_args += ["-p", f"127.0.0.1:{port}:{p['containerPort']}"]
            elif p.get("name") == "metrics" and metrics_port:
                pod_args += ["-p", f"127.0.0.1:{metrics_port}:{p['containerPort']}"]
    # Volumes: one backing per pod volume, shared by every container that mounts it.
    backing, podman_volumes = {}, []
    users = {}
    for c in spec["containers"]:
        for m in c.get("volumeMounts") or []:
            users[m["name"]] = users.get(m["name"], 0) + 1
    for vname in sorted(users):
        vol = vols[vname]
        host = os.path.join(workdir, vname)
        if "emptyDir" in vol:
            ed = vol["emptyDir"] or {}
            if ed.get("medium") == "Memory" and users[vname] == 1:
                size = quantity_bytes(ed["sizeLimit"]) if ed.get("sizeLimit") else None
                backing[vname] = "type=tmpfs,tmpfs-mode=1777" + (f",tmpfs-size={size}" if size else "")
            elif ed.get("medium") == "Memory":
                # Shared by several containers: a tmpfs podman volume (podman 4.3 cannot size
                # one: its size option is taken for a project quota).
                pv = f"{base}-{vname}"
                podman_volumes.append((pv, ["volume", "create", "--opt", "type=tmpfs", "--opt", "device=tmpfs",
                                            "--opt", "o=mode=1777,uid=0,gid=0", pv]))
                backing[vname] = f"type=volume,source={pv}"
            else:
                os.makedirs(host, exist_ok=True)
                os.chmod(host, 0o777)
                backing[vname] = f"type=bind,source={host}"
        elif "persistentVolumeClaim" in vol:
            os.makedirs(host, exist_ok=True)
            uid = psc.get("runAsUser") or 0
            os.chown(host, uid, fs_group if fs_group is not None else (psc.get("runAsGroup") or 0))
            os.chmod(host, 0o2770)
            backing[vname] = f"type=bind,source={host}"
        elif "secret" in vol:
            # The kubelet writes root-owned files with the volume's mode; with fsGroup they are
            # group fsGroup and get group read on top.
            os.makedirs(host, exist_ok=True)
            sv = vol["secret"]
            for item in sv.get("items") or []:
                value = sec.value(sv["secretName"], item["key"])
                if value is None:
                    raise SystemExit(f"no test value for secret {sv['secretName']}/{item['key']}")
                p = os.path.join(host, item["path"])
                with open(p, "w", encoding="utf-8") as f:
                    f.write(value)
                mode = item.get("mode", sv.get("defaultMode", 0o644))
                if fs_group is not None:
                    os.chown(p, 0, fs_group)
                    mode |= 0o440
                os.chmod(p, mode)
            os.chmod(host, 0o755)
            backing[vname] = f"type=bind,source={host}"
        else:
            raise SystemExit(f"unsupported volume type in {vol}")
    plan_containers = []
    for c in spec["containers"]:
        csc = c.get("securityContext") or {}
        uid = csc.get("runAsUser", psc.get("runAsUser"))
        gid = csc.get("runAsGroup", psc.get("runAsGroup"))
        cname = base if c is http_c else f"{base}-{c['name']}"
        args = ["run", "-d", "--pod", pod, "--name", cname]
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
        env = container_env(c, meta, pod, sec, extra_env)
        for k, v in env.items():
            args += ["-e", f"{k}={v}"]
        for m in c.get("volumeMounts") or []:
            ro = ",ro" if m.get("readOnly") or "secret" in vols[m["name"]] else ""
            b = backing[m["name"]]
            if b.startswith("type=tmpfs"):  # podman's tmpfs mount syntax puts destination first
                args += ["--mount", f"type=tmpfs,destination={m['mountPath']}{b[len('type=tmpfs'):]}{ro}"]
            else:
                args += ["--mount", f"{b},destination={m['mountPath']}{ro}"]
        args.append(image)
        plan_containers.append({"name": cname, "k8s_name": c["name"], "role": env.get("DS_ROLE", "all"),
                                "uid": uid, "gid": gid, "args": args, "env": env,
                                "mounts": [m["mountPath"] for m in c.get("volumeMounts") or []]})
    probes = {}
    for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
        pr = http_c.get(kind)
        if pr:
            probes[kind] = {
                "path": (pr.get("httpGet") or {}).get("path"),
                "period": pr.get("periodSeconds", 10), "timeout": pr.get("timeoutSeconds", 1),
                "failureThreshold": pr.get("failureThreshold", 3), "initialDelay": pr.get("initialDelaySeconds", 0),
            }
    main = next(pc for pc in plan_containers if pc["k8s_name"] == http_c["name"])
    desktop = next((pc["name"] for pc in plan_containers if pc["role"] == "desktop"), None)
    return {"pod": pod, "pod_args": pod_args, "containers": plan_containers,
            "volumes": [v for v, _ in podman_volumes], "volume_args": [a for _, a in podman_volumes],
            "name": main["name"], "desktop": desktop, "env": main["env"], "uid": main["uid"],
            "signing_key": sec.signing_key, "hmac_key": sec.hmac_key, "secrets": sec.secret_values(),
            "grace": spec.get("terminationGracePeriodSeconds", 30), "probes": probes,
            "metrics_port": metrics_port if any(p.get("name") == "metrics" for p in http_c.get("ports") or []) else None}


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
