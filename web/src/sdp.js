// Answer munging done by the Selkies client (gst-web's webrtc.js): sps-pps-idr-in-keyframe=1
// next to packetization-mode, and stereo=1;minptime=10 in a non-multiopus Opus fmtp.
export function mungeAnswer(sdp) {
  let out = sdp;
  if (out.includes('packetization-mode=') && !out.includes('sps-pps-idr-in-keyframe')) {
    out = out.replace(/(a=fmtp:\d+ .*packetization-mode=\d+)/g, '$1;sps-pps-idr-in-keyframe=1');
  }
  if (!out.includes('multiopus')) {
    out = out.replace(/(a=fmtp:\d+ .*useinbandfec=1)(?!;stereo)/g, '$1;stereo=1;minptime=10');
  }
  return dtlsPassive(out);
}

// The browser answers an actpass offer with a=setup:active, so it sends the DTLS ClientHello the
// moment its own ICE check succeeds. The server's ICE agent (controlling, regular nomination) is
// usually not done yet and the hello is lost; the browser resends it only after its retransmit
// timer (~200 ms). Answering passive makes the server the DTLS client: it says hello once its
// ICE is ready, and the browser, ready earlier, answers at once.
export function dtlsPassive(sdp) {
  return sdp.replace(/^a=setup:active$/gm, 'a=setup:passive');
}
