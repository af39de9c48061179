#!/usr/bin/python3
"""VP8/VP9: libvpx first-pass mode (what deskstream used before docs/decisions/0006-vpx-one-pass.md)
against one-pass real-time (what it uses now), in the same run, on the same frames.

    bench/vpx_pass/run.py [--frames N] [--width W --height H --fps F] [--repeats R] [--out DIR]

For each codec and mode it encodes the same raw clip (videotestsrc: a moving ball over a still
SMPTE test card, like a desktop with one animated region) with deskstream's VP8/VP9 settings
(src/media/encoder_profile.cpp) through gst-launch-1.0, and records
  - the encoder process's CPU time (user+sys, from wait4: independent of other load on the
    machine, unlike wall time), per frame; median of the repeats;
  - the encoded size (bitrate achieved against the target) and the luma PSNR of the decoded
    frames against the source.
Encoding is frame-in/frame-out (lag-in-frames=0) in both modes, so the per-frame CPU time is the
encoder's own contribution to latency. First-pass statistics go to a private temp dir, removed at
the end. Writes <out>/vpx-pass-<timestamp>.json with the conditions and the ratios
one-pass / first-pass.
"""
import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import tempfile

import numpy as np


def run_timed(cmd):
    """Runs cmd, returns its CPU seconds (user+sys of the child)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{err[-2000:]}")
    return usage.ru_utime + usage.ru_stime


def vpx_props(codec, mode, stats, kbps, fps, cores):
    vbv = str(int(-(-1000 // fps) * 1.5))
    threads = str(max(1, min(16, cores - 1)))
    props = [f"threads={threads}", f"buffer-initial-size={vbv}", f"buffer-optimal-size={vbv}",
             f"buffer-size={vbv}", "cpu-used=-16", "deadline=1", "end-usage=cbr",
             "error-resilient=default", "keyframe-mode=disabled", "keyframe-max-dist=2147483647",
             "lag-in-frames=0", "max-intra-bitrate=250", "overshoot=10", "undershoot=25",
             "static-threshold=0", "tuning=psnr", f"target-bitrate={kbps * 1000}"]
    if codec == "vp9":
        props += ["frame-parallel-decoding=true", "row-mt=true"]
    if mode == "first-pass":
        props += ["multipass-mode=first-pass", f"multipass-cache-file={stats}"]
    return props


def psnr_y(src, dec, w, h, frames):
    size = w * h * 3 // 2
    a = np.memmap(src, dtype=np.uint8, mode="r")
    b = np.memmap(dec, dtype=np.uint8, mode="r")
    n = min(frames, len(b) // size)
    values = []
    for i in range(0, n, 5):
        ya = a[i * size:i * size + w * h].astype(np.int32)
        yb = b[i * size:i * size + w * h].astype(np.int32)
        mse = float(np.mean((ya - yb) ** 2))
        values.append(99.0 if mse == 0 else 10 * np.log10(255 * 255 / mse))
    return round(float(np.mean(values)), 2), n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=720)
    ap.add_argument("--fps", type=int, default=30)
    ap.add_argument("--kbps", type=int, default=4000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "../results"))
    o = ap.parse_args()
    cores = os.cpu_count() or 1
    work = tempfile.mkdtemp(prefix="ds-vpx-pass-")
    try:
        caps = f"video/x-raw,format=I420,width={o.width},height={o.height},framerate={o.fps}/1"
        src = os.path.join(work, "src.yuv")
        subprocess.run(["gst-launch-1.0", "-q", "videotestsrc", f"num-buffers={o.frames}",
                        "pattern=smpte", "!", caps, "!", "videoconvert", "!", caps, "!",
                        "compositor", "name=mix", "sink_1::xpos=400", "sink_1::ypos=200", "!",
                        caps, "!", "filesink", f"location={src}", "videotestsrc",
                        f"num-buffers={o.frames}", "pattern=ball", "!",
                        f"video/x-raw,format=I420,width=320,height=240,framerate={o.fps}/1", "!",
                        "mix."], check=True)
        parse = ["filesrc", f"location={src}", "!", "rawvideoparse", "format=i420",
                 f"width={o.width}", f"height={o.height}", f"framerate={o.fps}/1", "!"]
        result = {"benchmark": "vpx_pass", "date": datetime.datetime.now().isoformat(timespec="seconds"),
                  "conditions": {"resolution": f"{o.width}x{o.height}", "fps": o.fps,
                                 "frames": o.frames, "target_kbps": o.kbps, "cores": cores,
                                 "repeats": o.repeats, "content": "SMPTE card, 320x240 moving ball",
                                 "cpu": "user+sys of the gst-launch process (wait4), per frame, median"},
                  "codecs": {}}
        for codec in ("vp8", "vp9"):
            entry = {}
            for mode in ("first-pass", "one-pass"):
                stats = os.path.join(work, f"{codec}-stats.fpf")
                enc = os.path.join(work, f"{codec}-{mode}.mkv")
                cmd = ["gst-launch-1.0", "-q", *parse, f"{codec}enc",
                       *vpx_props(codec, mode, stats, o.kbps, o.fps, cores), "!", "matroskamux",
                       "!", "filesink", f"location={enc}"]
                cpu = [run_timed(cmd) for _ in range(o.repeats)]
                # The decode + raw source read cost is the same for both modes; measure it apart.
                dec = os.path.join(work, f"{codec}-{mode}.yuv")
                subprocess.run(["gst-launch-1.0", "-q", "filesrc", f"location={enc}", "!",
                                "matroskademux", "!", f"{codec}dec", "!", "videoconvert", "!",
                                caps, "!", "filesink", f"location={dec}"], check=True)
                psnr, n = psnr_y(src, dec, o.width, o.height, o.frames)
                kbps = os.path.getsize(enc) * 8 / (o.frames / o.fps) / 1000
                entry[mode] = {"cpu_ms_per_frame": round(statistics.median(cpu) / o.frames * 1000, 3),
                               "cpu_ms_per_frame_runs": [round(c / o.frames * 1000, 3) for c in cpu],
                               "kbps": round(kbps, 1), "psnr_y_db": psnr, "frames_decoded": n}
                os.remove(dec)
            fp, op = entry["first-pass"], entry["one-pass"]
            entry["ratio_one_pass_over_first_pass"] = {
                "cpu": round(op["cpu_ms_per_frame"] / fp["cpu_ms_per_frame"], 3),
                "kbps": round(op["kbps"] / fp["kbps"], 3),
                "psnr_db_delta": round(op["psnr_y_db"] - fp["psnr_y_db"], 2)}
            result["codecs"][codec] = entry
            print(codec, json.dumps(entry))
        os.makedirs(o.out, exist_ok=True)
        stamp = datetime.datetime.now().strftime("%Y-%m-%dT%H%M%S")
        path = os.path.join(o.out, f"vpx-pass-{stamp}.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1)
        print("wrote", path)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
