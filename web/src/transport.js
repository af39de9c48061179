// Which transport the page uses (docs/protocol-websocket.md): WebRTC first, and the WebSocket
// transport when WebRTC has not connected within FALLBACK_MS (or failed before it ever did).
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
