// Which transport the page uses (docs/protocol-websocket.md): WebRTC first, and the WebSocket
// transport when ICE has not connected within FALLBACK_MS of starting its checks, or failed,
// before WebRTC ever went live. The clock starts at ICE `checking`, not at page load, so a
// slow server start or a slow signalling exchange is not mistaken for a blocked network.
// `?transport=webrtc|websocket|auto` in the page URL, else the `deskstream.transport` setting in
// localStorage, forces one; anything else means auto.

export const FALLBACK_MS = 5000;

export function transportMode(search, storage) {
  const valid = (v) => (v === 'webrtc' || v === 'websocket' || v === 'auto' ? v : null);
  const fromUrl = valid(new URLSearchParams(search).get('transport'));
  if (fromUrl) return fromUrl;
  let stored = null;
  try {
    stored = storage ? storage.getItem('deskstream.transport') : null;
  } catch (e) { /* storage blocked */ }
  return valid(stored) || 'auto';
}

// "WebRTC direct" or "WebRTC relayed" from the selected candidate pair of `pc`.
export async function describeWebRtc(pc) {
  try {
    const stats = await pc.getStats();
    let pair = null;
    stats.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
    });
    if (!pair) stats.forEach((s) => { if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s; });
    if (!pair) return 'WebRTC';
    const local = stats.get(pair.localCandidateId);
    const remote = stats.get(pair.remoteCandidateId);
    const relayed = (local && local.candidateType === 'relay') || (remote && remote.candidateType === 'relay');
    return relayed ? 'WebRTC relayed' : 'WebRTC direct';
  } catch (e) {
    return 'WebRTC';
  }
}

// Calls `onStuck(reason)` once when the peer connection returned by `getPc()` has been checking
// ICE for `ms` without connecting, or its ICE failed. `isDone()` true stops the watch.
export function watchIce(getPc, ms, isDone, onStuck, now = () => Date.now()) {
  let pc = null;
  let since = null;
  let stopped = false;
  const stop = () => { stopped = true; clearInterval(timer); };
  const timer = setInterval(() => {
    if (stopped) return;
    if (isDone()) { stop(); return; }
    const current = getPc();
    if (current !== pc) { pc = current; since = null; }
    if (!pc) return;
    const state = pc.iceConnectionState;
    if (state === 'failed') {
      stop();
      onStuck('WebRTC failed (ICE)');
    } else if (state === 'checking' || (state === 'new' && pc.remoteDescription)) {
      if (since === null) since = now();
      else if (now() - since >= ms) {
        stop();
        onStuck(`WebRTC did not connect within ${ms / 1000} s`);
      }
    } else {
      since = null;  // new, connected, completed, disconnected, closed
    }
  }, 250);
  return stop;
}
