// No secret is readable by the desktop user. The real image runs as the
// rendered session pod (tests/image/start_pod.sh, variant cpu-hmac: the TURN shared secret in
// the streamer's env, an HS256 JWT secret in its Secret volume), a real Chromium streams from it,
// and a shell as the desktop user inside the desktop container looks for every secret and every
// credential of the viewer's session: its own environment, /proc/*/environ and /proc/*/cmdline of
// every process it can see, every file it can read (grep over the whole filesystem), and the
// streamer's HTTP and metrics ports on the pod's shared loopback. It must find nothing, while
// the same search as the streamer's user finds them (so the search is not blind), a uid 1000
// process joined to the streamer's PID namespace is refused deskstream's environ/maps/mem, and
// the stream must keep going. A second test shows the one-container mode (DS_ROLE=all) leaking.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { launchBrowser, waitFramesDecoded, framesDecoded, freePort, deskstreamBin, stopAll } from '../e2e/lib/harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
after(stopAll);

const VARIANT = 'cpu-hmac';
// Registered only where podman was found at configure time; still say why if it is gone.
const skip = spawnSync('podman', ['--version']).status === 0 ? false : 'SKIP: podman not installed (scripts/packages/k8s.txt)';
if (skip) console.log(skip);

function startPod(variant, port) {
  return new Promise((resolve, reject) => {
    const p = spawn('bash', [path.join(here, 'start_pod.sh'), variant, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`start_pod ${variant} exited ${code}: ${out}${err}`));
      const podJson = /pod spec and env: (\S+)/.exec(err)?.[1];
      resolve({ url: out.trim().split('\n').pop(), plan: JSON.parse(readFileSync(podJson, 'utf8')) });
    });
  });
}
const stopPod = (variant, port) => execFileSync('bash', [path.join(here, 'stop_pod.sh'), variant, String(port)], { stdio: 'ignore' });

// podman with the project's settings (deploy/image/podman-env.sh).
function podman(args, input) {
  const cmd = `. '${repo}/deploy/image/podman-env.sh' && exec podman "$@"`;
  const r = spawnSync('bash', ['-c', cmd, 'podman', ...args], { input, encoding: 'utf8', timeout: 600000, maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout || '', stderr: r.stderr || '' };
}

// The search (find_secrets.sh), run by `bash -c` inside a container as the given user.
const SEARCH = readFileSync(path.join(here, 'find_secrets.sh'), 'utf8');

// Runs SEARCH as `user` in `container`; values = {name: value}; returns the parsed findings.
function search(container, user, values, canaryFile) {
  const names = ['planted canary', ...Object.keys(values)];
  const list = [`canary-${randomBytes(16).toString('hex')}`, ...Object.values(values)];
  const t0 = Date.now();
  const r = podman(['exec', '-i', '--user', user, '-e', `CANARY_FILE=${canaryFile}`, container, 'bash', '-c', SEARCH],
    list.join('\n') + '\n');
  const secs = (Date.now() - t0) / 1000;
  assert.ok(r.stdout.includes('DONE'), `the search ran to the end in ${container}: ${r.stdout.slice(-500)} ${r.stderr}`);
  const which = (s) => names[list.findIndex((v) => s.includes(v))] ?? '?';
  const out = { secs, env: [], proc: [], file: [], net: [], nethit: [], comms: [], procs: 0, unreadable: 0, files: 0, id: '' };
  for (const line of r.stdout.split('\n')) {
    const [kind, ...rest] = line.split(' ');
    const text = rest.join(' ');
    if (kind === 'ID') out.id = text;
    else if (kind === 'ENV') out.env.push(which(text));
    else if (kind === 'PROC') out.proc.push(`${rest[0]}: ${which(text)}`);
    else if (kind === 'FILE') out.file.push(`${text.split(':')[0]}: ${which(text)}`);
    else if (kind === 'COMM') out.comms.push(text);
    else if (kind === 'PROCS') { out.procs = Number(rest[0]); out.unreadable = Number(rest[1].split('=')[1]); }
    else if (kind === 'FILES') out.files = Number(rest[0]);
    else if (kind === 'NET') out.net.push(text);
    else if (kind === 'NETHIT') out.nethit.push(`${rest[0]} ${rest[1]}: ${which(text)}`);
  }
  return out;
}

function report(label, s) {
  console.log(`${label}: ran as ${s.id} in ${s.secs.toFixed(1)} s; ${s.procs} processes visible (${s.unreadable} environ/cmdline unreadable), ` +
    `${s.files} readable files searched`);
  console.log(`  processes: ${s.comms.map((c) => c.split(' ').slice(1).join(' ')).join('; ')}`);
  console.log(`  found in env: [${s.env.join(', ')}]`);
  console.log(`  found in /proc: [${s.proc.join(', ')}]`);
  console.log(`  found in files: [${s.file.join(', ')}]`);
  console.log(`  network: ${s.net.join(' | ')}; found: [${s.nethit.join(', ')}]`);
}

test('the desktop user finds no secret and no credential of the viewer; the stream goes on', { skip }, async (t) => {
  const port = await freePort();
  const { url, plan } = await startPod(VARIANT, port);
  t.after(() => stopPod(VARIANT, port));
  const env = plan.env;
  assert.ok(plan.desktop, 'the pod has a desktop container');
  assert.ok(plan.hmac_key, 'the pod has a JWT HMAC secret');
  const mint = (sub) => execFileSync(deskstreamBin, ['token', '--key', plan.hmac_key, '--alg', 'HS256', '--sub', sub,
    '--role', 'control', '--ttl', '300', '--session', env.DESKSTREAM_JWT_SESSION, '--iss', env.DESKSTREAM_JWT_ISSUER.split(',')[0],
    '--aud', env.DESKSTREAM_JWT_AUDIENCE, '--typ', env.DESKSTREAM_JWT_TYP]).toString().trim();

  // A viewer streams (its ticket is exchanged for a session cookie) ...
  const token = mint('alice');
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.goto(url + '?token=' + token);
  await waitFramesDecoded(page, 10, 60000);
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'ds_session');
  assert.ok(session, `the viewer holds a session cookie (${cookies.map((c) => c.name)})`);
  // ... and another principal's TURN credential (minted by the streamer from the shared secret).
  const turnResp = await fetch(url + 'turn', { headers: { Authorization: 'Bearer ' + mint('bob') } });
  assert.equal(turnResp.status, 200, '/turn with a token');
  const turn = (await turnResp.json()).iceServers.find((s) => s.credential);
  assert.ok(turn, 'the /turn answer carries a TURN credential');

  const values = {
    ...Object.fromEntries(Object.entries(plan.secrets).map(([k, v]) => [`Secret ${k}`, v])),
    "viewer's connect token": token,
    "viewer's session cookie": session.value,
    'TURN credential of another principal': turn.credential,
  };
  console.log(`looking for: ${Object.keys(values).join(', ')}`);
  assert.ok(Object.keys(plan.secrets).some((k) => k.startsWith('deskstream-turn/')), 'the TURN shared secret is in the test');
  assert.ok(Object.keys(plan.secrets).some((k) => k.includes('jwt-hmac-secret')), 'the JWT HMAC secret is in the test');

  const desk = search(plan.desktop, '1000', values, '/tmp/ds-canary');
  report('desktop user (desktop container)', desk);
  // Controls in the streamer container: as deskstream's uid/gid (its /proc is readable), and
  // with gid 1000, which stands in for the fsGroup deskstream has as a supplementary group and
  // which makes the Secret files readable to it (podman exec has no --group-add).
  const streamer = search(plan.name, '1001:1001', values, '/tmp/ds-canary');
  report('streamer user (deskstream container, control)', streamer);
  const streamerFiles = search(plan.name, '1001:1000', values, '/tmp/ds-canary');
  report('streamer user with the fsGroup (deskstream container, control)', streamerFiles);

  // The search is not blind: the planted canary is found as a file in both containers, and the
  // streamer's own search finds the TURN secret in deskstream's environment and the HMAC key
  // in its file.
  assert.ok(desk.file.some((f) => f.startsWith('/tmp/ds-canary: planted canary')), `desktop search finds the planted canary: ${desk.file}`);
  const dsPid = streamer.comms.find((c) => / deskstream /.test(c + ' '))?.split(' ')[0];
  assert.ok(streamer.proc.includes(`/proc/${dsPid}/environ: Secret deskstream-turn/shared-secret`),
    `control: the streamer's search finds the TURN secret in deskstream's environment (pid ${dsPid}): ${streamer.proc}`);
  assert.ok(streamerFiles.file.some((f) => f.startsWith('/etc/deskstream/jwt/hmac.key: Secret deskstream-auth/jwt-hmac-secret')),
    `control: the streamer's search finds the HMAC key file: ${streamerFiles.file}`);
  assert.ok(streamer.comms.some((c) => / deskstream /.test(c + ' ')), 'control: deskstream is visible to its own container');

  // The desktop user: nothing but its own canary.
  assert.ok(desk.id.startsWith('1000 '), `the desktop search ran as uid 1000 (${desk.id})`);
  assert.deepEqual(desk.env, [], 'nothing in the desktop shell environment');
  assert.deepEqual(desk.proc, [], 'nothing in /proc/*/environ or /proc/*/cmdline of any visible process');
  assert.deepEqual(desk.file.filter((f) => !f.startsWith('/tmp/ds-canary:')), [], 'no readable file holds a secret');
  assert.deepEqual(desk.nethit, [], 'nothing over the pod loopback');
  assert.ok(desk.procs > 3, `the desktop search saw its processes (${desk.procs})`);
  assert.ok(!desk.comms.some((c) => / deskstream /.test(c + ' ')), 'deskstream is not in the desktop container\'s PID namespace (no /proc/<pid>/mem or ptrace target)');
  assert.ok(desk.comms.every((c) => /uid=1000$/.test(c)), `every visible process is the desktop user's own: ${desk.comms}`);
  assert.ok(desk.net.some((n) => n.startsWith('8080 /turn HTTP/1.1 401') || n.startsWith('8080 /turn HTTP/1.0 401')),
    `/turn from inside the pod without a token is refused: ${desk.net}`);
  assert.ok(desk.files > 1000, `the file search covered the filesystem (${desk.files} files)`);

  // Defence in depth: even a process of uid 1000 inside the streamer's PID namespace (what
  // shareProcessNamespace: true would give it) cannot open deskstream's environ, maps or mem
  // (the kernel's ptrace access check: other uid, no CAP_SYS_PTRACE; the same check refuses
  // ptrace attach); its cmdline is world-readable and carries no secret.
  const probe = readFileSync(path.join(here, 'probe_proc.sh'), 'utf8');
  const image = process.env.DS_IMAGE || 'localhost/deskstream:dev';
  const pr = podman(['run', '--rm', '--pod', plan.pod, '--pid', `container:${plan.name}`, '--user', '1000:1000', '--cap-drop=ALL',
    '--security-opt', 'no-new-privileges', '--read-only', '--mount', 'type=tmpfs,destination=/tmp', '--entrypoint', 'bash',
    image, '-c', probe]);
  console.log(`uid 1000 in the streamer's PID namespace: ${pr.stdout.trim().split('\n').join('; ')} ${pr.stderr.trim()}`);
  assert.match(pr.stdout, /^PID \d+$/m, 'deskstream is visible there');
  for (const f of ['environ', 'maps', 'mem']) assert.match(pr.stdout, new RegExp(`^DENIED ${f} Permission denied`, 'm'), `${f} is refused`);
  assert.match(pr.stdout, /^CMDLINE deskstream\s*$/m, 'the command line is just "deskstream"');

  // The viewer is still streaming: the desktop user changes the screen (root colour) and new
  // frames arrive (a static screen is not re-encoded, media/frame_gate.hpp).
  const before = await framesDecoded(page);
  let now = before;
  const colours = ['red', 'green', 'blue', 'yellow', 'magenta', 'cyan'];
  for (let i = 0; i < 30 && now < before + 10; i++) {
    podman(['exec', '--user', '1000', plan.desktop, 'xsetroot', '-solid', colours[i % colours.length]]);
    await new Promise((r) => setTimeout(r, 500));
    now = await framesDecoded(page);
  }
  console.log(`stream: ${now - before} new frames decoded by the viewer after the searches (total ${now})`);
  assert.ok(now >= before + 10, `the viewer still streams after the searches (${before} -> ${now} frames)`);
  const rss = podman(['exec', plan.name, 'sh', '-c', 'for p in /proc/[0-9]*; do [ "$(cat $p/comm)" = deskstream ] && awk \'/VmRSS/{print $2}\' $p/status; done']);
  console.log(`deskstream RSS in the streamer container: ${rss.stdout.trim()} kB`);
});

// Why the pod has two containers: the same search, run as the desktop user in the image's
// one-container mode (DS_ROLE=all, everything as uid 1000), finds the TURN secret in deskstream's
// /proc/<pid>/environ (the desktop's own processes no longer inherit it).
test('one container (DS_ROLE=all): the desktop user finds the secret in deskstream\'s /proc', { skip }, async (t) => {
  const image = process.env.DS_IMAGE || 'localhost/deskstream:dev';
  const name = `ds-secrets-all-${process.pid}`;
  const secret = `test-turn-secret-${randomBytes(16).toString('hex')}`;
  // The secret goes to podman through its environment (-e NAME without a value), never an argv.
  const cmd = `. '${repo}/deploy/image/podman-env.sh' && exec podman run -d --rm --name ${name} --read-only --read-only-tmpfs=false ` +
    `--mount type=tmpfs,destination=/tmp,tmpfs-mode=1777 --mount type=tmpfs,destination=/run/pulse,tmpfs-mode=1777 ` +
    `-e HOME=/tmp -e DS_ROLE=all -e SELKIES_TURN_SHARED_SECRET ` +
    `-e SELKIES_ENABLE_BASIC_AUTH=false -e SELKIES_ADDR=127.0.0.1 ${image}`;
  const r = spawnSync('bash', ['-c', cmd], { env: { ...process.env, SELKIES_TURN_SHARED_SECRET: secret }, encoding: 'utf8' });
  assert.equal(r.status, 0, `podman run: ${r.stderr}`);
  t.after(() => podman(['rm', '-f', '-t', '2', name]));
  let logs = '';
  for (let i = 0; i < 120 && !/streaming :0/.test(logs); i++) {
    await new Promise((res) => setTimeout(res, 500));
    const l = podman(['logs', name]);
    logs = l.stdout + l.stderr;
  }
  assert.match(logs, /streaming :0/, 'deskstream started in the one-container mode');
  assert.match(logs, /WARNING: DS_ROLE=all .*SELKIES_TURN_SHARED_SECRET/, 'the entrypoint warns that the secret is not isolated');
  const s = search(name, '1000', { 'TURN shared secret': secret }, '/tmp/ds-canary');
  report('desktop user, one container (DS_ROLE=all)', s);
  const dsPid = s.comms.find((c) => / deskstream /.test(c + ' '))?.split(' ')[0];
  assert.ok(s.proc.includes(`/proc/${dsPid}/environ: TURN shared secret`), `found in deskstream's environ: ${s.proc}`);
  const desktopSide = s.comms.filter((c) => /^\d+ (Xvfb|pulseaudio|openbox|xterm) /.test(c)).map((c) => c.split(' ')[0]);
  assert.equal(desktopSide.length, 4, `X, PulseAudio, openbox and xterm run: ${s.comms}`);
  for (const pid of desktopSide) {
    assert.ok(!s.proc.includes(`/proc/${pid}/environ: TURN shared secret`), `the desktop side (pid ${pid}) did not inherit it`);
  }
});
