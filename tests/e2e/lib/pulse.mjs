// A private PulseAudio daemon for browser tests (null sink ds_test, whose monitor is the default
// source; anonymous auth on its own socket; never exits on idle; works as root without
// --system), and tone players into it. Everything lives in a temp dir of the harness and every
// process started here is stopped by stopPulse() (or the caller's own stopAll()).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { tempDir, waitFor, exitWithin, StopWaiting } from './harness.mjs';

const own = [];

// A socket path for a server that is not started yet (startPulse starts it).
export function pulseDir() {
  const dir = tempDir('ds-e2e-pulse-');
  for (const sub of ['run', 'home', 'state']) mkdirSync(path.join(dir, sub));
  return { dir, server: `unix:${dir}/native` };
}

export async function startPulse({ dir, server }) {
  const proc = spawn('pulseaudio', [
    '--daemonize=no', '--exit-idle-time=-1', '--system=false', '--disallow-exit', '--use-pid-file=false', '-n',
    '--load=module-null-sink sink_name=ds_test',
    `--load=module-native-protocol-unix socket=${dir}/native auth-anonymous=1`,
    '--log-target=stderr',
  ], {
    env: { PATH: process.env.PATH, HOME: `${dir}/home`, XDG_RUNTIME_DIR: `${dir}/run`, PULSE_RUNTIME_PATH: `${dir}/run`, PULSE_STATE_PATH: `${dir}/state` },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  proc.stderr.on('data', (d) => { log += d; });
  own.push(proc);
  await waitFor(() => {
    if (proc.exitCode !== null) throw new StopWaiting(`pulseaudio exited: ${log}`);
    return spawnSync('pactl', [`--server=${server}`, 'info']).status === 0;
  }, 10000, 'pulseaudio');
  return proc;
}

// A sine into the null sink for as long as the returned process lives.
export function playTone(server, hz) {
  const proc = spawn('gst-launch-1.0', ['-q', 'audiotestsrc', `freq=${hz}`, 'volume=0.5', 'is-live=true', '!',
    'pulsesink', `server=${server}`, 'buffer-time=20000', 'latency-time=5000'], { stdio: 'ignore' });
  own.push(proc);
  return proc;
}

export async function stopProc(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill('SIGTERM');
  await exitWithin(proc, 3000);
  if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
}

// Stops every PulseAudio daemon and player started here.
export async function stopPulse() {
  for (const p of own.splice(0).reverse()) await stopProc(p);
}
