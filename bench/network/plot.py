#!/usr/bin/python3
"""Draws one PNG per bench/network scenario JSON: received bitrate against the configured one,
glass-to-glass latency (p50/p95), rendered fps and RTT over time, impairment phases shaded."""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def label(imp):
    return imp if isinstance(imp, str) else ", ".join(f"{k}={v}" for k, v in imp.items())


def plot(path):
    with open(path, encoding="utf-8") as f:
        r = json.load(f)
    fig, axes = plt.subplots(4, 1, figsize=(10, 10), sharex=True)
    for v in r["viewers"]:
        s = v["series"]
        t = [row["t"] for row in s]
        axes[0].plot(t, [row.get("kbps") for row in s], label=f"{v['role']} received")
        if any(row.get("target_kbps") is not None for row in s):
            axes[0].plot(t, [row.get("target_kbps") for row in s], linestyle="--",
                         label=f"{v['role']} target")
        axes[1].plot(t, [row.get("latency_p50") for row in s], label=f"{v['role']} p50")
        axes[1].plot(t, [row.get("latency_p95") for row in s], linestyle="--", label=f"{v['role']} p95")
        axes[2].plot(t, [row.get("fps") for row in s], label=v["role"])
        axes[3].plot(t, [row.get("rtt_ms") for row in s], label=f"{v['role']} RTT")
    enc = r["viewers"][0]["series"] if r["viewers"] else []
    if any(row.get("encoder_kbps") is not None for row in enc):
        axes[0].plot([row["t"] for row in enc], [row.get("encoder_kbps") for row in enc],
                     color="black", linewidth=0.8, label="encoder")
    axes[0].axhline(r["conditions"]["configured_kbps"], color="grey", linestyle=":", label="configured")
    for k, ph in enumerate(r["timeline"]):
        for ax in axes:
            if ph["impairment"] != "clean" and k % 2 == 1:
                ax.axvspan(ph["from"], ph["to"], color="orange", alpha=0.12)
        axes[0].text(ph["from"], 0, label(ph["impairment"]), fontsize=7, va="bottom")
    axes[0].set_ylabel("kbit/s")
    axes[1].set_ylabel("latency ms")
    axes[1].set_yscale("log")
    axes[2].set_ylabel("fps")
    axes[3].set_ylabel("RTT ms")
    axes[3].set_xlabel("s")
    for ax in axes:
        ax.legend(fontsize=7, loc="upper right")
        ax.grid(alpha=0.3)
    c = r["conditions"]
    fig.suptitle(f"{r['scenario']}: {c['resolution']}@{c['fps']} {c['encoder']} {c['configured_kbps']} kbit/s, "
                 f"congestion control: {c['congestion_control']}")
    out = path[:-5] + ".png"
    fig.savefig(out, dpi=80)
    print("plot:", out)


for p in sys.argv[1:]:
    plot(p)
