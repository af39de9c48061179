// A test client that speaks to the server exactly what the Selkies web client (gst-web 1.6)
// sends, as observed from it (not its code): GET ./turn for the RTCConfiguration; two signalling
// sockets on ./webrtc/signalling/ (a page at "/"), `HELLO 1 <base64 meta>` for video and
// `HELLO 3 <base64 meta>` for audio with meta {"res":"WxH","scale":dpr}; the answer munged as
// gst-web munges it (sps-pps-idr-in-keyframe=1 with H.264, stereo=1 and minptime=10 on Opus);
// trickled ICE as {"ice": candidate.toJSON()}; on the `input` data channel: `pong,<epoch s>` for
// every ping, `vb`/`ab`/`_arg_fps` echoing the server's values (gst-web prefers its stored
// settings and sends them back), `r,WxH` and `s,<dpr>` after a resize, and, once BOTH peer
// connections are connected (the condition under which gst-web hides its loading spinner and
// shows the desktop): every second `_stats_video,<JSON of the video getStats() list>` then
// `_stats_audio,<the audio one>`, and every 5 s `_f,<fps>` and `_l,<ms>`.
//
// installGstWebClient(page) runs it in the page; the state is window.__gst:
// { video, audio: 'new'|'connecting'|'connected'|..., messages: [parsed data-channel JSON],
//   send(text), spinnerHidden(), audioLevel(), stats: number of _stats_* pairs sent }.
export async function installGstWebClient(page, { width = 1280, height = 720 } = {}) {
  await page.evaluate(async ({ width, height }) => {
    const G = { video: 'new', audio: 'new', messages: [], sent: [], errors: [], statsSent: 0 };
    window.__gst = G;
    const config = await (await fetch('./turn')).json();
    const meta = btoa(JSON.stringify({ res: `${width}x${height}`, scale: window.devicePixelRatio }));
    const url = new URL('webrtc/signalling/', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    let channel = null;
    G.send = (text) => { if (channel?.readyState === 'open') { channel.send(text); G.sent.push(text.slice(0, 40)); } };
    G.spinnerHidden = () => G.video === 'connected' && G.audio === 'connected';
    const audioEl = document.createElement('audio');
    audioEl.autoplay = true;
    document.body.appendChild(audioEl);

    const peer = (uid, kind) => {
      const ws = new WebSocket(url.toString());
      const pc = new RTCPeerConnection(config);
      G[`${kind}Pc`] = pc;
      ws.onopen = () => ws.send(`HELLO ${uid} ${meta}`);
      ws.onclose = () => G.errors.push(`${kind} signalling closed`);
      ws.onmessage = async (e) => {
        try {
          await onSignal(e);
        } catch (err) {
          G.errors.push(`${kind}: ${err}`);
        }
      };
      const onSignal = async (e) => {
        if (e.data === 'HELLO') return;
        if (e.data.startsWith('ERROR')) { G.errors.push(`${kind}: ${e.data}`); return; }
        const msg = JSON.parse(e.data);
        if (msg.sdp?.type === 'offer') {
          G[`${kind}Offer`] = msg.sdp.sdp;
          G[`${kind}Offers`] = (G[`${kind}Offers`] || 0) + 1;
          G.signalLog = [...(G.signalLog || []), `${Date.now()} ${kind} offer (state ${pc.signalingState})`];
          await pc.setRemoteDescription(msg.sdp);
          const answer = await pc.createAnswer();
          let sdp = answer.sdp;
          if (sdp.includes('packetization-mode=')) {
            sdp = sdp.replace(/(packetization-mode=\d)/g, '$1;sps-pps-idr-in-keyframe=1');
          }
          if (!sdp.includes('multiopus')) {
            sdp = sdp.replace(/(useinbandfec=1)/, '$1;stereo=1;minptime=10');
          }
          await pc.setLocalDescription({ type: 'answer', sdp });
          ws.send(JSON.stringify({ sdp: pc.localDescription }));
        } else if (msg.ice) {
          pc.addIceCandidate(msg.ice).catch((err) => G.errors.push(`${kind} ice: ${err}`));
        }
      };
      pc.onicecandidate = (e) => { if (e.candidate) ws.send(JSON.stringify({ ice: e.candidate.toJSON() })); };
      pc.onconnectionstatechange = () => { G[kind] = pc.connectionState; };
      pc.ontrack = (e) => { if (kind === 'audio') audioEl.srcObject = e.streams[0] || new MediaStream([e.track]); };
      if (kind === 'video') {
        pc.ondatachannel = (e) => {
          channel = e.channel;
          channel.onmessage = (m) => {
            const msg = JSON.parse(m.data);
            G.messages.push({ at: Date.now(), ...msg });
            if (msg.type === 'ping') G.send(`pong,${Date.now() / 1000}`);
            if (msg.type === 'system') {
              const [what, value] = msg.data.action.split(',');
              if (what === 'video_bitrate') G.send(`vb,${value}`);
              if (what === 'audio_bitrate') G.send(`ab,${value}`);
              if (what === 'framerate') G.send(`_arg_fps,${value}`);
            }
          };
        };
      }
      return pc;
    };
    const videoPc = peer(1, 'video');
    const audioPc = peer(3, 'audio');
    const allReports = async (pc) => { const out = []; (await pc.getStats()).forEach((r) => out.push(r)); return out; };
    let ticks = 0;
    setInterval(async () => {
      if (!G.spinnerHidden()) return;
      G.send(`_stats_video,${JSON.stringify(await allReports(videoPc))}`);
      G.send(`_stats_audio,${JSON.stringify(await allReports(audioPc))}`);
      G.statsSent++;
      if (ticks++ % 5 === 0) {
        let fps = 0;
        (await videoPc.getStats()).forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'video') fps = Math.round(r.framesPerSecond || 0); });
        G.send(`_f,${fps}`);
        G.send('_l,42');
      }
    }, 1000);
    G.audioLevel = async () => {
      let level = null;
      (await audioPc.getStats()).forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'audio') level = { level: r.audioLevel ?? null, energy: r.totalAudioEnergy ?? null, packets: r.packetsReceived };
      });
      return level;
    };
  }, { width, height });
}
