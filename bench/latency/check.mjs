// Smoke check of one result file: valid JSON, decoded frames, a plausible latency.
import { readFileSync } from 'node:fs';
const file = process.argv[2];
const r = JSON.parse(readFileSync(file, 'utf8'));
const problems = [];
const scen = (r.scenarios || []).filter((s) => s.variants);
if (!scen.length) problems.push('no scenario ran');
for (const s of scen) {
  const sum = s.variants.ours.summary;
  if (!(sum.frames > 0)) problems.push(`${s.name}: no decoded barcode frames`);
  const med = sum.latency_ms.median;
  if (!(med > -20 && med < 1000)) problems.push(`${s.name}: implausible median latency ${med} ms`);
  if (sum.failed_runs) problems.push(`${s.name}: ${sum.failed_runs} failed runs`);
  if (sum.frames && sum.bad_frames > sum.frames * 0.2) problems.push(`${s.name}: ${sum.bad_frames} bad frames of ${sum.frames}`);
  console.log(`${s.name}: ${sum.frames} frames, median ${med} ms, p95 ${sum.latency_ms.p95} ms, ${sum.fps_rendered} fps`);
}
if (problems.length) { console.error(`check failed: ${problems.join('; ')}`); process.exit(1); }
console.log('check: 1 passed, 0 failed');
