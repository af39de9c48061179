#!/usr/bin/env python3
"""Markdown table and latency CDF plot (PNG) for one bench/latency result file.

usage: report.py RESULT.json   -> RESULT.md and RESULT-cdf.png beside it
"""
import json
import math
import os
import sys


def fmt(x, unit=""):
    return "–" if x is None else f"{x:g}{unit}"


def table(res):
    rows = [
        "| scenario | variant | median ms | p95 | p99 | rVFC-now median | paint→recv | fps | bad/frames "
        "| TTFF ms | CPU deskstream % | CPU Chromium % | CPU Xvfb % | kbit/s | decoder | ours/base (latency; CPU) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in res["scenarios"]:
        if "variants" not in s:
            rows.append(f"| {s['name']} | skipped ({s.get('skipped')}) |" + " |" * 14)
            continue
        for v, data in s["variants"].items():
            m = data["summary"]
            lat, cpu = m["latency_ms"], m["cpu_pct_of_one_core"]
            ratio = ""
            if v == "ours" and s.get("ratio_ours_over_baseline"):
                r = s["ratio_ours_over_baseline"]
                ratio = f"{fmt(r['median'])} (p95 {fmt(r['p95'])})" if r.get("median") is not None else ""
                if r.get("deskstream_cpu") is not None:
                    ratio += f"{'; ' if ratio else ''}CPU {fmt(r['deskstream_cpu'])}"
            rows.append(
                f"| {s['name']} | {v} | **{fmt(lat['median'])}** | {fmt(lat['p95'])} | {fmt(lat['p99'])} "
                f"| {fmt(m['rvfc_now_latency_ms']['median'])} | {fmt(m['paint_to_receive_ms']['median'])} "
                f"| {fmt(m['fps_rendered'])} | {m['bad_frames']}/{m['frames']} | {fmt(m['time_to_first_frame_ms'])} "
                f"| {fmt(cpu['deskstream'])} | {fmt(cpu['chromium'])} | {fmt(cpu['xvfb'])} | {fmt(m['bitrate_kbps'])} "
                f"| {m['decoder_implementation'] or '–'} | {ratio} |"
            )
    return "\n".join(rows)


def header(res):
    mc, sw, cfg = res["machine"], res["software"], res["config"]
    return "\n".join([
        f"Run {res['started']} – {res.get('finished', '?')}: `{res['command']}`",
        "",
        f"- Machine: {mc['nproc']} cores ({mc['cpu_model']}), {mc['mem_gib']} GiB, kernel {mc['kernel']}; "
        f"load average at start {mc['load_avg_start']}, at end {mc.get('load_avg_end')} (shared machine)",
        f"- Software: {sw['chromium']}; {sw['gstreamer']}; x264 {sw.get('x264')}; node {sw['node']}; "
        f"deskstream {sw['deskstream_commit']}",
        f"- Network: {res['network']}",
        f"- Runs per scenario: {cfg['runs']} × {cfg['measure_s']} s after {cfg['warmup_s']} s warm-up; "
        f"barcode every {cfg['painter_period_us'] / 1000:g} ms",
        f"- Latency: {res['latency_definition']}",
        f"- Baseline: {res['baseline']['description']}",
    ])


def plot(res, png):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("report: matplotlib missing (apt-get install python3-matplotlib); no plot", file=sys.stderr)
        return False
    # Idle scenarios have no latency samples: nothing to plot.
    scen = [s for s in res["scenarios"] if "variants" in s and not s.get("idle")]
    if not scen:
        return False
    cols = min(4, len(scen))
    rows = math.ceil(len(scen) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    for ax, s in zip(axes.flat, scen):
        for v, data in s["variants"].items():
            lat = sorted(x for r in data["runs"] if "latencies_ms" in r for x in r["latencies_ms"])
            if not lat:
                continue
            ys = [(i + 1) / len(lat) for i in range(len(lat))]
            ax.step(lat, ys, where="post", label=f"{v} (median {data['summary']['latency_ms']['median']:g} ms)")
        ax.set_title(s["name"], fontsize=10)
        ax.set_xlabel("paint → frame callback, ms")
        ax.set_ylabel("fraction of frames")
        ax.set_xlim(left=min(0, ax.get_xlim()[0]), right=min(ax.get_xlim()[1], 150))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    for ax in list(axes.flat)[len(scen):]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(png, dpi=80)
    return True


def main():
    path = sys.argv[1]
    with open(path) as f:
        res = json.load(f)
    base = os.path.splitext(path)[0]
    png = base + "-cdf.png"
    has_plot = plot(res, png)
    md = header(res) + "\n\n" + table(res) + "\n"
    if has_plot:
        md += f"\n![latency CDF]({os.path.basename(png)})\n"
    with open(base + ".md", "w") as f:
        f.write(md)
    print(md)


if __name__ == "__main__":
    main()
