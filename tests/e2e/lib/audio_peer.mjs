// An audio peer (browser uid 3) in a page, with an AnalyserNode on the received track, for the
// audio tests: startAudioPeer(page) sets up window.__audio; dominant(page) is the loudest
// frequency now (null: silence); waitDominant waits for a frequency.
import { waitFor } from './harness.mjs';

// In the page: an audio peer (uid 3) with an AnalyserNode on the received track. Reconnects
// (1 s) when the server refuses or closes, so it also covers "audio starts when PulseAudio
// appears" (until then the peer connects to silence). Exposes window.__audio = {state, dominant(), stats()}.
export async function startAudioPeer(page) {
  await page.evaluate(() => {
    const A = { state: 'connecting', errors: [], analyser: null, pc: null, offers: 0 };
    window.__audio = A;
    const attach = (stream) => {
      // Chrome only pulls remote WebRTC audio into Web Audio while a media element plays it.
      const el = new Audio();
      el.muted = true;
      el.srcObject = stream;
      el.play().catch(() => {});
      const ctx = new AudioContext({ sampleRate: 48000 });
      ctx.resume();
      const src = ctx.createMediaStreamSource(stream);
      const an = ctx.createAnalyser();
      an.fftSize = 8192;
      an.smoothingTimeConstant = 0;
      src.connect(an);
      A.analyser = an;
      A.ctx = ctx;
      A.el = el;
    };
    A.dominant = () => {
      if (!A.analyser) return null;
      const bins = new Float32Array(A.analyser.frequencyBinCount);
      A.analyser.getFloatFrequencyData(bins);
      let best = 0;
      for (let i = 1; i < bins.length; i++) if (bins[i] > bins[best]) best = i;
      if (bins[best] < -90) return null;  // silence
      return (best * A.ctx.sampleRate) / A.analyser.fftSize;
    };
    A.stats = async () => {
      if (!A.pc) return null;
      let out = null;
      (await A.pc.getStats()).forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'audio') out = { packets: s.packetsReceived, lost: s.packetsLost, concealed: s.concealedSamples, samples: s.totalSamplesReceived, jitterBuffer: s.jitterBufferDelay / Math.max(1, s.jitterBufferEmittedCount) };
      });
      return out;
    };
    const client = window.deskstream?.audio;
    // Our web client opens its own audio peer (uid 3) after the first video frame: follow it,
    // also when it has no peer connection yet. A second uid-3 peer of the same user would be
    // refused as busy and retry for ever while the page's holds the uid.
    if (client) {  // the web client's own audio peer, followed across its reconnections
      setInterval(() => {
        const pc = client.pc;
        if (!pc || (pc === A.pc && A.analyser)) return;
        const r = pc.getReceivers().find((x) => x.track?.kind === 'audio');
        if (r) {
          A.pc = pc;
          A.offer = pc.remoteDescription?.sdp || A.offer;  // the server's offer, as for our own
          attach(new MediaStream([r.track]));
          A.state = 'live';
        }
      }, 100);
      return;
    }
    const url = new URL('webrtc/signalling/', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const connect = () => {
      const ws = new WebSocket(url.toString());
      const pc = new RTCPeerConnection();
      A.pc = pc;
      let retried = false;
      const retry = (why) => {
        if (retried) return;
        retried = true;
        A.errors.push(why);
        A.state = 'retrying';
        try { ws.close(); } catch (e) { /* closed */ }
        pc.close();
        setTimeout(connect, 1000);
      };
      ws.onopen = () => ws.send(`HELLO 3 ${btoa(JSON.stringify({ res: '1280x720', scale: 1 }))}`);
      // Like the Selkies web client: a closed signalling socket reconnects (the server closes
      // the audio peer when PulseAudio appears, to replace the silence with the desktop audio).
      ws.onclose = () => retry('signalling closed');
      ws.onmessage = async (e) => {
        if (e.data === 'HELLO') return;
        if (e.data.startsWith('ERROR')) { A.errors.push(e.data); return; }
        const msg = JSON.parse(e.data);
        if (msg.sdp?.type === 'offer') {
          A.offers++;
          A.offer = msg.sdp.sdp;
          await pc.setRemoteDescription(msg.sdp);
          const answer = await pc.createAnswer();
          // As the Selkies client munges its answer: stereo=1 and minptime=10 in the Opus fmtp.
          answer.sdp = answer.sdp.replace(/(a=fmtp:\d+ [^\r\n]*useinbandfec=1)/, '$1;stereo=1;minptime=10');
          await pc.setLocalDescription(answer);
          ws.send(JSON.stringify({ sdp: pc.localDescription }));
        } else if (msg.ice) {
          pc.addIceCandidate(msg.ice).catch(() => {});
        }
      };
      pc.onicecandidate = (e) => { if (e.candidate) ws.send(JSON.stringify({ ice: e.candidate.toJSON() })); };
      pc.ontrack = (e) => attach(e.streams[0] || new MediaStream([e.track]));
      pc.onconnectionstatechange = () => {
        if (pc.connectionState === 'connected') A.state = 'live';
        if (pc.connectionState === 'failed') retry('ice failed');
      };
    };
    connect();
  });
}

export const dominant = (page) => page.evaluate(() => window.__audio.dominant());

export async function waitDominant(page, hz, timeoutMs, what) {
  return waitFor(async () => {
    const f = await dominant(page);
    return f !== null && Math.abs(f - hz) < 25 ? f : false;
  }, timeoutMs, what);
}

