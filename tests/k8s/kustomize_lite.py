"""A small, offline renderer for exactly the kustomize subset deploy/kubernetes/ uses.

Used by the k8s tests when real kustomize (`kubectl kustomize`) is not installed; when it is,
the tests render with the real tool and the k8s_render_parity test checks that this renderer
produces the same objects. Supported kustomization fields:
  resources (files and directories), namespace, labels (pairs, includeSelectors,
  includeTemplates), commonLabels, patches (JSON6902 only, from `path` or inline `patch`,
  with a target of group/version/kind/name/namespace), images (newName/newTag/digest).
Anything else raises RenderError, so a kustomization can never silently render differently.
"""
import copy
import os
import re

import yaml


class RenderError(Exception):
    pass


SUPPORTED = {"apiVersion", "kind", "resources", "namespace", "labels", "commonLabels", "patches", "images"}
CLUSTER_SCOPED = {
    "Namespace", "PriorityClass", "RuntimeClass", "ClusterRole", "ClusterRoleBinding",
    "CustomResourceDefinition", "PersistentVolume", "StorageClass", "IngressClass", "Node",
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
}
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}


def _load_docs(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def _kustomization_file(directory):
    for name in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
        p = os.path.join(directory, name)
        if os.path.isfile(p):
            return p
    raise RenderError(f"no kustomization file in {directory}")


# ---------------------------------------------------------------- JSON pointer / JSON6902
def _unescape(token):
    return token.replace("~1", "/").replace("~0", "~")


def _split(pointer):
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise RenderError(f"bad JSON pointer {pointer!r}")
    return [_unescape(t) for t in pointer[1:].split("/")]


def _walk(doc, tokens, create=False):
    cur = doc
    for t in tokens:
        if isinstance(cur, list):
            try:
                cur = cur[int(t)]
            except (ValueError, IndexError) as e:
                raise RenderError(f"path token {t!r} not in list") from e
        elif isinstance(cur, dict):
            if t not in cur:
                raise RenderError(f"path token {t!r} not found")
            cur = cur[t]
        else:
            raise RenderError(f"cannot descend into scalar at {t!r}")
    return cur


def _get(doc, pointer):
    return _walk(doc, _split(pointer))


def _add(doc, pointer, value):
    tokens = _split(pointer)
    if not tokens:
        raise RenderError("add to document root is not supported")
    parent = _walk(doc, tokens[:-1])
    last = tokens[-1]
    if isinstance(parent, list):
        if last == "-":
            parent.append(value)
        else:
            i = int(last)
            if i < 0 or i > len(parent):
                raise RenderError(f"add index {i} out of range")
            parent.insert(i, value)
    elif isinstance(parent, dict):
        parent[last] = value
    else:
        raise RenderError(f"add: parent of {pointer} is a scalar")


def _remove(doc, pointer):
    tokens = _split(pointer)
    parent = _walk(doc, tokens[:-1])
    last = tokens[-1]
    if isinstance(parent, list):
        return parent.pop(int(last))
    if last not in parent:
        raise RenderError(f"remove: {pointer} not found")
    return parent.pop(last)


def apply_json6902(doc, ops):
    for op in ops:
        kind, path = op.get("op"), op.get("path")
        if kind == "add":
            _add(doc, path, copy.deepcopy(op["value"]))
        elif kind == "remove":
            _remove(doc, path)
        elif kind == "replace":
            _get(doc, path)  # must exist
            _remove(doc, path)
            _add(doc, path, copy.deepcopy(op["value"]))
        elif kind == "move":
            v = _remove(doc, op["from"])
            _add(doc, path, v)
        elif kind == "copy":
            _add(doc, path, copy.deepcopy(_get(doc, op["from"])))
        elif kind == "test":
            if _get(doc, path) != op["value"]:
                raise RenderError(f"test failed at {path}: {_get(doc, path)!r} != {op['value']!r}")
        else:
            raise RenderError(f"unsupported JSON6902 op {kind!r}")
    return doc


# ---------------------------------------------------------------- transformers
def _gvk(doc):
    api = doc.get("apiVersion", "")
    group, _, version = api.rpartition("/")
    return group, version, doc.get("kind")


def _matches(doc, target):
    group, version, kind = _gvk(doc)
    meta = doc.get("metadata", {})
    for key, actual in (("group", group), ("version", version), ("kind", kind),
                        ("name", meta.get("name")), ("namespace", meta.get("namespace"))):
        want = target.get(key)
        if want is not None and not re.fullmatch(want, actual or ""):
            return False
    if "labelSelector" in target or "annotationSelector" in target:
        raise RenderError("patch target selectors are not supported by kustomize_lite")
    return True


def _pod_templates(doc):
    kind = doc.get("kind")
    if kind in WORKLOADS:
        yield doc.setdefault("spec", {}).setdefault("template", {})
    elif kind == "CronJob":
        yield doc["spec"]["jobTemplate"]["spec"].setdefault("template", {})


def _pod_specs(doc):
    if doc.get("kind") == "Pod":
        yield doc.get("spec", {})
    for t in _pod_templates(doc):
        yield t.get("spec", {})


def _set_labels(doc, pairs, selectors, templates, common):
    doc.setdefault("metadata", {}).setdefault("labels", {}).update(pairs)
    kind = doc.get("kind")
    if templates or selectors:
        for t in _pod_templates(doc):
            t.setdefault("metadata", {}).setdefault("labels", {}).update(pairs)
    if not selectors:
        return
    spec = doc.get("spec", {})
    if kind in WORKLOADS:
        spec.setdefault("selector", {}).setdefault("matchLabels", {}).update(pairs)
        # kustomize's selector field specs also cover the pod template's spread constraints
        # and pod (anti-)affinity terms.
        pod = spec.get("template", {}).get("spec", {})
        for tsc in pod.get("topologySpreadConstraints", []) or []:
            tsc.setdefault("labelSelector", {}).setdefault("matchLabels", {}).update(pairs)
        for aff in ("podAffinity", "podAntiAffinity"):
            a = (pod.get("affinity") or {}).get(aff) or {}
            for term in a.get("requiredDuringSchedulingIgnoredDuringExecution", []) or []:
                term.setdefault("labelSelector", {}).setdefault("matchLabels", {}).update(pairs)
            for w in a.get("preferredDuringSchedulingIgnoredDuringExecution", []) or []:
                w["podAffinityTerm"].setdefault("labelSelector", {}).setdefault("matchLabels", {}).update(pairs)
    elif kind == "Service":
        spec.setdefault("selector", {}).update(pairs)
    elif kind == "PodDisruptionBudget":
        spec.setdefault("selector", {}).setdefault("matchLabels", {}).update(pairs)
    elif kind == "NetworkPolicy" and common:
        # Like kustomize's commonLabels field specs: also the peers' podSelectors.
        spec.setdefault("podSelector", {}).setdefault("matchLabels", {}).update(pairs)
        for rule_key, peer_key in (("ingress", "from"), ("egress", "to")):
            for rule in spec.get(rule_key, []) or []:
                for peer in rule.get(peer_key, []) or []:
                    if "podSelector" in peer:
                        peer["podSelector"].setdefault("matchLabels", {}).update(pairs)


def _split_image(image):
    digest = None
    if "@" in image:
        image, digest = image.split("@", 1)
    name, tag = image, None
    slash = image.rfind("/")
    colon = image.rfind(":")
    if colon > slash:
        name, tag = image[:colon], image[colon + 1:]
    return name, tag, digest


def _set_images(doc, images):
    for spec in _pod_specs(doc):
        for key in ("initContainers", "containers", "ephemeralContainers"):
            for c in spec.get(key, []) or []:
                name, tag, digest = _split_image(c.get("image", ""))
                for img in images:
                    if img.get("name") != name:
                        continue
                    new_name = img.get("newName", name)
                    if img.get("digest"):
                        c["image"] = f"{new_name}@{img['digest']}"
                    elif img.get("newTag"):
                        c["image"] = f"{new_name}:{img['newTag']}"
                    else:
                        c["image"] = new_name + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")
                    break


# ---------------------------------------------------------------- build
def render(directory):
    directory = os.path.abspath(directory)
    kfile = _kustomization_file(directory)
    k = _load_docs(kfile)[0]
    unknown = set(k) - SUPPORTED
    if unknown:
        raise RenderError(f"{kfile}: fields not supported by kustomize_lite: {sorted(unknown)}")
    docs = []
    for res in k.get("resources", []) or []:
        p = os.path.join(directory, res)
        if os.path.isdir(p):
            docs.extend(render(p))
        elif os.path.isfile(p):
            docs.extend(_load_docs(p))
        else:
            raise RenderError(f"{kfile}: resource {res} not found")
    for patch in k.get("patches", []) or []:
        if "path" in patch:
            ops = _load_docs(os.path.join(directory, patch["path"]))
            ops = ops[0] if len(ops) == 1 else ops
        else:
            ops = yaml.safe_load(patch["patch"])
        if not isinstance(ops, list):
            raise RenderError(f"{kfile}: only JSON6902 patches are supported (got a mapping)")
        target = patch.get("target")
        if not target:
            raise RenderError(f"{kfile}: a JSON6902 patch needs a target")
        hit = [d for d in docs if _matches(d, target)]
        if not hit:
            raise RenderError(f"{kfile}: patch target {target} matched nothing")
        for d in hit:
            apply_json6902(d, ops)
    ns = k.get("namespace")
    if ns:
        for d in docs:
            if d.get("kind") == "Namespace":
                d["metadata"]["name"] = ns  # kustomize renames Namespace objects too
            elif d.get("kind") not in CLUSTER_SCOPED:
                d.setdefault("metadata", {})["namespace"] = ns
    if k.get("commonLabels"):
        for d in docs:
            _set_labels(d, k["commonLabels"], True, True, True)
    for entry in k.get("labels", []) or []:
        extra = set(entry) - {"pairs", "includeSelectors", "includeTemplates"}
        if extra:
            raise RenderError(f"{kfile}: labels fields not supported: {sorted(extra)}")
        for d in docs:
            _set_labels(d, entry["pairs"], bool(entry.get("includeSelectors", False)),
                        bool(entry.get("includeTemplates", False)), False)
    if k.get("images"):
        for d in docs:
            _set_images(d, k["images"])
    return docs
